using System.CommandLine;

namespace Quell.Server.Cli;

/// <summary>`quell detect`: Sigma rules over event files, offline, no server needed.</summary>
public static class DetectCommand
{
    public static Command Create(Terminal? terminal = null)
    {
        var rules = new Option<DirectoryInfo[]>("--rules")
        {
            Description = "Directory of Sigma rules (.yml/.yaml, searched recursively); repeatable",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var events = new Option<FileInfo[]>("--events")
        {
            Description = "Event files: NDJSON, a JSON array, or JSON objects one after another",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var format = new Option<string>("--format") { Description = "table (default) or json: one JSON object per match and line", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var command = new Command("detect", "Match events against Sigma rules and print the matches") { rules, events, format };
        command.SetAction((r, ct) =>
        {
            var t = terminal ?? Terminal.System;
            return t.RunAsync(() => Task.FromResult(new DetectVerb(t).Run(
                [.. r.GetValue(rules)!.Select(d => d.ToString())],
                [.. r.GetValue(events)!.Select(f => f.ToString())],
                r.GetValue(format) == "json",
                ct)));
        });
        return command;
    }
}
