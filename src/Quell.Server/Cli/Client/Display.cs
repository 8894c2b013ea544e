using System.Text;
using Spectre.Console;

namespace Quell.Server.Cli.Client;

/// <summary>How alert and case fields look in tables. Every value from the server passes through <see cref="SafeText"/>.</summary>
public static class Display
{
    /// <summary>TheHive's severity words with a colour; the number is kept so it can be typed back into --severity.</summary>
    public static string Severity(long? severity) => severity switch
    {
        1 => "[green]1 low[/]",
        2 => "[yellow]2 medium[/]",
        3 => "[darkorange]3 high[/]",
        4 => "[red]4 critical[/]",
        null => "",
        _ => SafeText.Markup(severity.ToString()),
    };

    /// <summary>A column of short values (ids, dates, severities) that must not be folded when the table is narrow.</summary>
    public static TableColumn Fixed(string header) => new TableColumn(header).NoWrap();

    public static string Tags(IEnumerable<string> tags) => SafeText.Markup(string.Join(", ", tags));

    /// <summary>A query string of the filters that are set, values escaped.</summary>
    public static string Query(params (string Name, string? Value)[] parameters)
    {
        var sb = new StringBuilder();
        foreach (var (name, value) in parameters)
        {
            if (string.IsNullOrWhiteSpace(value))
                continue;
            sb.Append(sb.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value.Trim()));
        }
        return sb.ToString();
    }
}
