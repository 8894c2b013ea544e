using System.CommandLine;

namespace Quell.Server.Cli.Client;

/// <summary>`quell ingest FILE...`: send event files to a server.</summary>
public static class IngestCommand
{
    public static Command Create(Terminal? terminal = null)
    {
        var files = new Argument<string[]>("FILE") { Description = "NDJSON or Windows event JSON files (objects one after another); - reads standard input", Arity = ArgumentArity.OneOrMore };
        var source = new Option<string?>("--source") { Description = "Source name the events are stored under (default: ingest)" };
        var cmd = new Command("ingest", "Send event files to a Quell server in batches; bad lines are reported with their line numbers, the rest is sent")
        {
            ClientOptions.Url, ClientOptions.ApiKey, files, source,
        };
        cmd.SetAction((r, ct) => new IngestVerbs(terminal ?? Terminal.System, ClientOptions.Settings(r)).IngestAsync(r.GetValue(files)!, r.GetValue(source), ct));
        return cmd;
    }
}
