using System.Text.RegularExpressions;

namespace Quell.Intel;

/// <summary>
/// Undoes the defanging analysts and feeds apply to network indicators so they cannot be clicked:
/// <c>hxxp://</c>, <c>hxxps[:]//</c>, <c>evil[.]com</c>, <c>evil(dot)com</c>, <c>user[at]evil.com</c>, <c>[://]</c>.
/// </summary>
public static partial class Refang
{
    [GeneratedRegex(@"^h[x*]{2}p(s?)(?=\[?:|://)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Scheme();

    [GeneratedRegex(@"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}|\s+dot\s+|\\\.", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Dot();

    [GeneratedRegex(@"\[at\]|\(at\)|\{at\}|\[@\]|\(@\)|\s+at\s+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex At();

    /// <summary>Every defanging above needs one of these characters; most values have none and skip the regexes.</summary>
    static readonly System.Buffers.SearchValues<char> Markers = System.Buffers.SearchValues.Create("[({\\ \t");

    /// <summary>Whether <see cref="Apply"/> leaves the (trimmed) value as it is: no defanged scheme, no marker character.</summary>
    public static bool IsPlain(string v) =>
        !(v.Length > 4 && v[0] is 'h' or 'H' && v[1] is 'x' or 'X' or '*') && !v.AsSpan().ContainsAny(Markers);

    public static string Apply(string value)
    {
        var v = value.Trim();
        if (v.Length == 0 || IsPlain(v))
            return v;
        v = Scheme().Replace(v, m => "http" + m.Groups[1].Value);
        v = v.Replace("[://]", "://", StringComparison.Ordinal).Replace("[:]//", "://", StringComparison.Ordinal)
            .Replace("[:]", ":", StringComparison.Ordinal).Replace("[/]", "/", StringComparison.Ordinal);
        v = Dot().Replace(v, ".");
        v = At().Replace(v, "@");
        return v;
    }
}
