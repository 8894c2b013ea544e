using System.CommandLine;
using System.CommandLine.Invocation;

namespace Quell.Server.Cli;

/// <summary>
/// The exit codes of every `quell` verb (documented in docs/cli.md). Scripts branch on them: never renumber.
/// </summary>
public static class ExitCodes
{
    /// <summary>The verb did what was asked.</summary>
    public const int Success = 0;

    /// <summary>The server (or the store) refused the request, or the audit chain is broken.</summary>
    public const int Failed = 1;

    /// <summary>Bad arguments, an unreadable file, or a file that is not valid JSON: nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>The server or the store could not be reached.</summary>
    public const int Unreachable = 3;

    /// <summary>Authentication or permission refused (HTTP 401/403).</summary>
    public const int Refused = 4;

    /// <summary>What was asked for does not exist (HTTP 404, unknown user or organisation).</summary>
    public const int NotFound = 5;

    public static int FromHttpStatus(int status) => status switch
    {
        401 or 403 => Refused,
        404 => NotFound,
        _ => Failed,
    };

    /// <summary>
    /// Runs the parsed command line. System.CommandLine answers a parse error with 1, which would read as "the server
    /// refused"; here it becomes <see cref="Usage"/> so scripts can tell a typo from a failure.
    /// </summary>
    public static async Task<int> InvokeAsync(ParseResult parsed, InvocationConfiguration? configuration = null, CancellationToken ct = default)
    {
        var code = await parsed.InvokeAsync(configuration, ct);
        return parsed.Action is ParseErrorAction ? Usage : code;
    }
}
