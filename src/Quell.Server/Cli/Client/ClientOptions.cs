using System.CommandLine;

namespace Quell.Server.Cli.Client;

/// <summary>Where a client verb finds the server and how it authenticates.</summary>
public sealed record ClientSettings(string Url, string? ApiKey);

/// <summary>Options of the verbs that talk to a server's API (alert, case). Recursive: they may follow any subcommand.</summary>
public static class ClientOptions
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static readonly Option<string?> Url = new("--url")
    {
        Description = $"Address of the Quell server (env QUELL_URL; default {DefaultUrl})",
        Recursive = true,
    };

    public static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = "API key to authenticate with (env QUELL_API_KEY; create one with `quell apikey create USERNAME`)",
        Recursive = true,
    };

    public static ClientSettings Settings(ParseResult r) => Resolve(r.GetValue(Url), r.GetValue(ApiKey), Environment.GetEnvironmentVariable);

    /// <summary>An option wins over its environment variable, which wins over the default.</summary>
    public static ClientSettings Resolve(string? url, string? apiKey, Func<string, string?> environment) => new(
        NonEmpty(url) ?? NonEmpty(environment("QUELL_URL")) ?? DefaultUrl,
        NonEmpty(apiKey) ?? NonEmpty(environment("QUELL_API_KEY")));

    static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
