using System.CommandLine;

namespace Quell.Server.Cli.Client;

/// <summary>`quell alert submit|list`: the alert queue of a server, through its API.</summary>
public static class AlertCommand
{
    public static Command Create(Terminal? terminal = null)
    {
        var file = new Argument<string>("FILE") { Description = "JSON file with one alert (object) or many (array); - reads standard input" };
        var submit = new Command("submit", "Create or update alerts from a JSON file (TheHive's alert shape); re-submitting a sourceRef updates it") { file };
        submit.SetAction((r, ct) => new AlertVerbs(terminal ?? Terminal.System, ClientOptions.Settings(r)).SubmitAsync(r.GetValue(file)!, ct));

        var status = new Option<string?>("--status") { Description = "Only these statuses, comma-separated: new, updated, ignored, imported" };
        var severity = new Option<string?>("--severity") { Description = "Only these severities, comma-separated: 1 low to 4 critical" };
        var source = new Option<string?>("--source") { Description = "Only alerts from this source" };
        var tag = new Option<string?>("--tag") { Description = "Only alerts with this tag" };
        var observable = new Option<string?>("--observable") { Description = "Only alerts with an observable of this value" };
        var limit = new Option<int?>("--limit") { Description = "How many alerts, newest first (1-500; default 50)" };
        var json = new Option<bool>("--json") { Description = "Print the server's JSON answer instead of a table" };
        var list = new Command("list", "List alerts, newest first") { status, severity, source, tag, observable, limit, json };
        list.SetAction((r, ct) => new AlertVerbs(terminal ?? Terminal.System, ClientOptions.Settings(r)).ListAsync(
            new AlertFilter(r.GetValue(status), r.GetValue(severity), r.GetValue(source), r.GetValue(tag), r.GetValue(observable), r.GetValue(limit)),
            r.GetValue(json), ct));

        return new Command("alert", "Submit and list alerts on a Quell server") { ClientOptions.Url, ClientOptions.ApiKey, submit, list };
    }
}
