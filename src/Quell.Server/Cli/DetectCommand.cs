using System.CommandLine;
using Quell.Detection.Sigma;

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
        var minLevel = new Option<string?>("--min-level") { Description = "Enable only rules of this level or higher: informational, low, medium, high, critical" };
        var status = new Option<string?>("--status") { Description = "Enable only rules with one of these statuses, comma-separated: stable, test, experimental, deprecated, unsupported" };
        var tags = new Option<string[]>("--tag")
        {
            Description = "Enable only rules with one of these tags (attack.t1059 also takes attack.t1059.001); repeatable or comma-separated",
            AllowMultipleArgumentsPerToken = true,
        };
        var placeholders = new Option<FileInfo?>("--placeholders")
        {
            Description = "YAML file of values for the expand modifier's %placeholder%s (pySigma's vars: map; a name maps to a value or a list)",
        };
        var command = new Command("detect", "Match events against Sigma rules (detection and correlation rules, filters) and print the matches")
        {
            rules, events, format, minLevel, status, tags, placeholders,
        };
        command.SetAction((r, ct) =>
        {
            var t = terminal ?? Terminal.System;
            return t.RunAsync(() =>
            {
                SigmaRuleSelection selection;
                try
                {
                    selection = SigmaRuleSelection.Parse(r.GetValue(minLevel), r.GetValue(status), r.GetValue(tags) is { Length: > 0 } tagList ? string.Join(',', tagList) : null);
                }
                catch (ArgumentException e)
                {
                    throw new CliFailure(ExitCodes.Usage, e.Message);
                }
                var reader = new SigmaReaderOptions();
                if (r.GetValue(placeholders) is { } file)
                {
                    try
                    {
                        reader = reader with { Placeholders = SigmaPlaceholders.Load(file.ToString()) };
                    }
                    catch (SigmaRuleException e)
                    {
                        throw new CliFailure(ExitCodes.Usage, e.Message);
                    }
                }
                return Task.FromResult(new DetectVerb(t) { Reader = reader }.Run(
                    [.. r.GetValue(rules)!.Select(d => d.ToString())],
                    [.. r.GetValue(events)!.Select(f => f.ToString())],
                    r.GetValue(format) == "json",
                    selection,
                    ct));
            });
        });
        return command;
    }
}
