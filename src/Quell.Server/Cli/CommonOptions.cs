using System.CommandLine;

namespace Quell.Server.Cli;

/// <summary>Options shared by the verbs that open the store directly (serve and the admin verbs).</summary>
public static class CommonOptions
{
    public static readonly Option<string?> Data = new("--data")
    {
        Description = "Data folder for the embedded SQLite store and keys (env QUELL_DATA; default ./data)",
    };

    public static readonly Option<string?> Db = new("--db")
    {
        Description = "PostgreSQL connection string; switches the store to PostgreSQL (env QUELL_DB)",
    };

    public static ServeSettings Settings(ParseResult r, string? urls = null) => new(
        urls,
        r.GetValue(Data) ?? Environment.GetEnvironmentVariable("QUELL_DATA") ?? "data",
        r.GetValue(Db) ?? NullIfEmpty(Environment.GetEnvironmentVariable("QUELL_DB")));

    static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
