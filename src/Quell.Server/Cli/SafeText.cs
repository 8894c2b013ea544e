using System.Text;

namespace Quell.Server.Cli;

/// <summary>
/// Alert titles, observables and error details come from outside (a phishing mail's subject, a SIEM's field). Before
/// they reach a terminal, control characters (ANSI escape sequences could move the cursor, clear the screen or rewrite
/// a line) and bidirectional overrides (which make text read differently from what it is) are removed, and Spectre
/// markup is escaped so "[red]" in a title is shown, not interpreted.
/// </summary>
public static class SafeText
{
    /// <summary>Text safe to print as-is: control and bidi characters removed; line breaks and tabs become spaces unless kept.</summary>
    public static string Clean(string? value, bool keepLineBreaks = false, int maxLength = int.MaxValue)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        var sb = new StringBuilder(Math.Min(value.Length, maxLength));
        foreach (var ch in value)
        {
            if (sb.Length >= maxLength)
            {
                sb.Append('…');
                break;
            }
            switch (ch)
            {
                case '\n':
                    sb.Append(keepLineBreaks ? '\n' : ' ');
                    break;
                case '\r' when keepLineBreaks:
                    break; // the '\n' of "\r\n" keeps the break
                case '\r' or '\t':
                    sb.Append(' ');
                    break;
                default:
                    if (!char.IsControl(ch) && !IsBidiControl(ch))
                        sb.Append(ch);
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary><see cref="Clean"/>, then escaped for Spectre markup.</summary>
    public static string Markup(string? value, bool keepLineBreaks = false, int maxLength = int.MaxValue) =>
        Spectre.Console.Markup.Escape(Clean(value, keepLineBreaks, maxLength));

    static bool IsBidiControl(char ch) => ch is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
