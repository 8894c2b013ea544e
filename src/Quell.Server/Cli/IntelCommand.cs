using System.CommandLine;

namespace Quell.Server.Cli;

/// <summary>`quell intel match`: the indicator matcher on files, no server needed.</summary>
public static class IntelCommand
{
    static readonly Option<FileInfo> Indicators = new("--indicators") { Description = "Indicators, one per line; the type of each is detected", Required = true };
    static readonly Argument<FileInfo> Values = new("VALUES") { Description = "Values to look up, one per line (- for standard input)" };

    public static Command Create(Terminal? terminal = null)
    {
        var match = new Command("match", "Print every line of VALUES that matches an indicator (subdomains, addresses in blocks, URLs by host included)")
        {
            Indicators, Values,
        };
        match.SetAction((r, ct) =>
        {
            var t = terminal ?? Terminal.System;
            return t.RunAsync(() => Task.FromResult(new IntelMatchVerb(t).Run(r.GetValue(Indicators)!.FullName, r.GetValue(Values)!.ToString(), ct)));
        });
        return new Command("intel", "Threat intelligence tools") { match };
    }
}
