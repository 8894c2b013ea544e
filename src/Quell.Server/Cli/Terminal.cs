using Spectre.Console;

namespace Quell.Server.Cli;

/// <summary>
/// Where a verb writes and reads: results on <see cref="Out"/>, errors and progress on <see cref="Error"/> (so
/// `quell ... --json | jq` only ever sees results), and standard input for `-` files. Tests pass consoles that record.
/// </summary>
public sealed record Terminal(IAnsiConsole Out, IAnsiConsole Error, Func<Stream> OpenInput)
{
    static Terminal? _system;

    /// <summary>The process's own stdout, stderr and stdin.</summary>
    public static Terminal System => _system ??= new Terminal(
        Create(Console.Out, Console.IsOutputRedirected, RedirectedWidth()),
        // A log has no width: an error message (often a long server detail) stays on one line.
        Create(Console.Error, Console.IsErrorRedirected, 1000),
        Console.OpenStandardInput)
    {
        RawOut = Console.OpenStandardOutput(),
    };

    /// <summary>
    /// The standard output as bytes, for verbs that write much UTF-8 (`quell detect --format json`), when there is
    /// one; it and <see cref="Out"/> may be interleaved after flushing <see cref="Out"/>'s writer.
    /// </summary>
    public Stream? RawOut { get; init; }

    static IAnsiConsole Create(TextWriter writer, bool redirected, int redirectedWidth)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        // Redirected, Spectre assumes 80 columns, which folds every table row of `alert list > file` into several lines.
        if (redirected)
            console.Profile.Width = redirectedWidth;
        return console;
    }

    /// <summary>COLUMNS when the shell exports it, else 120: wide enough for the alert and case tables.</summary>
    static int RedirectedWidth() =>
        int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns is >= 40 and <= 1000 ? columns : 120;

    /// <summary>
    /// Writes text unchanged to stdout. Spectre wraps long lines at the console width, which would break JSON
    /// strings and keys in two; machine-readable output bypasses it.
    /// </summary>
    public void WriteRaw(string text)
    {
        var writer = Out.Profile.Out.Writer;
        writer.Write(text);
        writer.Write('\n');
        writer.Flush();
    }

    /// <summary>Prints "error: ..." and its details on stderr and returns the failure's exit code.</summary>
    public int Report(CliFailure failure)
    {
        Error.MarkupLine($"[red]error:[/] {SafeText.Markup(failure.Message)}");
        foreach (var line in failure.Details)
            Error.MarkupLine($"  {SafeText.Markup(line)}");
        return failure.ExitCode;
    }

    /// <summary>Runs a verb, turning a <see cref="CliFailure"/> into its message and exit code.</summary>
    public async Task<int> RunAsync(Func<Task<int>> verb)
    {
        try
        {
            return await verb();
        }
        catch (CliFailure failure)
        {
            return Report(failure);
        }
    }
}
