using System.CommandLine;

namespace Quell.Server.Cli.Client;

/// <summary>`quell case list|show`: cases of a server, through its API.</summary>
public static class CaseCommand
{
    public static Command Create(Terminal? terminal = null)
    {
        var status = new Option<string?>("--status") { Description = "Only these statuses, comma-separated: new, in-progress, resolved" };
        var assignee = new Option<string?>("--assignee") { Description = "Only cases assigned to this username" };
        var tag = new Option<string?>("--tag") { Description = "Only cases with this tag" };
        var text = new Option<string?>("--q") { Description = "Only cases whose title contains this text" };
        var limit = new Option<int?>("--limit") { Description = "How many cases, newest first (1-500; default 50)" };
        var json = new Option<bool>("--json") { Description = "Print the server's JSON answer instead of tables" };
        var list = new Command("list", "List cases, newest first") { status, assignee, tag, text, limit, json };
        list.SetAction((r, ct) => new CaseVerbs(terminal ?? Terminal.System, ClientOptions.Settings(r)).ListAsync(
            new CaseFilter(r.GetValue(status), r.GetValue(assignee), r.GetValue(tag), r.GetValue(text), r.GetValue(limit)), r.GetValue(json), ct));

        var number = new Argument<long>("NUMBER") { Description = "The case number (#N, not its id)" };
        var showJson = new Option<bool>("--json") { Description = "Print the server's JSON answer instead of tables" };
        var show = new Command("show", "Show one case: summary, observables, tasks and linked alerts") { number, showJson };
        show.SetAction((r, ct) => new CaseVerbs(terminal ?? Terminal.System, ClientOptions.Settings(r)).ShowAsync(r.GetValue(number), r.GetValue(showJson), ct));

        return new Command("case", "List and show cases on a Quell server") { ClientOptions.Url, ClientOptions.ApiKey, list, show };
    }
}
