namespace Quell.Server.Cli;

/// <summary>
/// A verb cannot go on: carries the exit code and what to tell the user. Thrown where the problem is found and
/// turned into "error: ..." on stderr in one place (<see cref="Terminal.RunAsync"/>).
/// </summary>
public sealed class CliFailure(int exitCode, string message, IReadOnlyList<string>? details = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>Further lines, e.g. one per invalid field.</summary>
    public IReadOnlyList<string> Details { get; } = details ?? [];
}
