using System.Text.RegularExpressions;

namespace Quell.Intel.Warninglists;

/// <summary>
/// MISP "regex" lists: entries are PHP (PCRE) patterns with delimiters and flags, <c>/^foo$/i</c>. Compiled once;
/// the non-backtracking engine runs in linear time where the pattern allows it, and every pattern has a match timeout
/// so a hostile list cannot stall a check (a timeout counts as no match).
/// </summary>
public sealed class RegexMatcher : IListMatcher
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(50);

    readonly (string Entry, Regex Regex)[] _patterns;

    RegexMatcher((string, Regex)[] patterns) => _patterns = patterns;

    public int Count => _patterns.Length;

    public static RegexMatcher? Create(IEnumerable<string> entries, out string? error)
    {
        error = null;
        var patterns = new List<(string, Regex)>();
        var index = 0;
        foreach (var entry in entries)
        {
            if (entry.Length > 0)
            {
                var regex = Compile(entry, out error);
                if (regex is null)
                {
                    error = $"entry {index} '{IndicatorNormalizer.Printable(entry)}': {error}";
                    return null;
                }
                patterns.Add((entry, regex));
            }
            index++;
        }
        return new RegexMatcher([.. patterns]);
    }

    public ListMatch? Match(string type, string value)
    {
        foreach (var (entry, regex) in _patterns)
        {
            try
            {
                if (regex.IsMatch(value))
                    return new ListMatch(entry, null);
            }
            catch (RegexMatchTimeoutException)
            {
            }
        }
        return null;
    }

    /// <summary>A PHP-delimited pattern (<c>/…/flags</c>, <c>#…#</c>, <c>{…}</c>) as a .NET regex, or null with the reason.</summary>
    public static Regex? Compile(string entry, out string? error)
    {
        error = null;
        if (entry.Length < 2 || char.IsAsciiLetterOrDigit(entry[0]) || entry[0] is '\\' || char.IsWhiteSpace(entry[0]))
        {
            error = "a pattern starts with a delimiter such as '/'";
            return null;
        }
        var close = entry[0] switch { '(' => ')', '[' => ']', '{' => '}', '<' => '>', var c => c };
        var end = entry.LastIndexOf(close);
        if (end <= 0)
        {
            error = $"the pattern has no closing '{close}'";
            return null;
        }
        var options = RegexOptions.CultureInvariant;
        foreach (var flag in entry.AsSpan(end + 1))
        {
            switch (flag)
            {
                case 'i': options |= RegexOptions.IgnoreCase; break;
                case 'm': options |= RegexOptions.Multiline; break;
                case 's': options |= RegexOptions.Singleline; break;
                case 'x': options |= RegexOptions.IgnorePatternWhitespace; break;
                case 'u' or 'D' or 'S': break; // UTF-8 mode, dollar-end-only, study: no effect on .NET strings
                default:
                    error = $"unsupported pattern flag '{IndicatorNormalizer.Printable(flag.ToString())}'";
                    return null;
            }
        }
        var pattern = entry[1..end];
        try
        {
            return new Regex(pattern, options | RegexOptions.NonBacktracking, Timeout);
        }
        catch (NotSupportedException)
        {
            // Backreferences and lookarounds need the backtracking engine; the timeout bounds it.
        }
        catch (ArgumentException e)
        {
            error = $"invalid pattern: {e.Message}";
            return null;
        }
        try
        {
            return new Regex(pattern, options, Timeout);
        }
        catch (ArgumentException e)
        {
            error = $"invalid pattern: {e.Message}";
            return null;
        }
    }
}
