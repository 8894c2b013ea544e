using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Quell.Intel;

/// <summary>
/// The one normalized form of an indicator value, so that the same indicator from two feeds is one row and a lookup
/// finds it however it was written: hashes and domains lower-case, IDN → punycode, trailing dots dropped, IPv6 in
/// RFC 5952 form, CIDR blocks reduced to their network, URLs canonicalized (scheme and host case, default ports,
/// percent-encoding, dot segments; the fragment, never sent to a server, dropped), defanged values refanged.
/// Composite values (<c>filename|sha256</c>) are normalized part by part.
/// </summary>
public static class IndicatorNormalizer
{
    /// <summary>Longer values are refused: no indicator needs more, and the index keeps them in memory.</summary>
    public const int MaxLength = 8192;

    /// <summary>
    /// The limit for rules and free text (<see cref="IsMultiline"/>): a YARA or snort rule is often longer than any
    /// network indicator (MISP's samples hold a 12,799-character snort rule).
    /// </summary>
    public const int MaxRuleLength = 65536;

    /// <summary>
    /// Types whose values are rules, patterns or prose, kept with their line breaks (CR LF read as LF) and tabs.
    /// Other control characters are refused for every type: they hide text in a terminal or a log.
    /// </summary>
    public static bool IsMultiline(string type) => MultilineTypes.Contains(type);

    static readonly HashSet<string> MultilineTypes = new(StringComparer.Ordinal)
    {
        "yara", "snort", "sigma", "bro", "zeek", "pattern-in-file", "pattern-in-traffic", "pattern-in-memory", "stix2-pattern",
        "kusto-query", "text", "comment", "other", "pgp-public-key", "pgp-private-key", "cortex", "anonymised",
    };

    /// <summary>The normalized value, or null with <paramref name="error"/> saying what is wrong with it.</summary>
    public static string? Normalize(string type, string value, out string? error)
    {
        error = null;
        if (!IndicatorTypes.IsKnown(type))
        {
            error = $"'{Printable(type)}' is not a MISP attribute type";
            return null;
        }
        var multiline = IsMultiline(type);
        var max = multiline ? MaxRuleLength : MaxLength;
        if (value.Length > max)
        {
            error = $"the value is {value.Length} characters long; at most {max} are accepted for a {type}";
            return null;
        }
        var v = value.Trim();
        if (v.Length == 0)
        {
            error = "the value is empty";
            return null;
        }
        if (multiline)
            v = v.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (HasControl(v) && HasRefusedControl(v, multiline))
        {
            error = multiline ? "the value contains control characters other than line breaks and tabs" : "the value contains control characters";
            return null;
        }
        if (IndicatorTypes.Parts(type) is { } parts)
        {
            // A filename may itself hold '|' on some systems; the hash never does: split filename|hash at the last bar.
            var bar = parts[0] == "filename" ? v.LastIndexOf('|') : v.IndexOf('|', StringComparison.Ordinal);
            if (bar < 0)
            {
                error = $"a {type} value has two parts separated by '|'";
                return null;
            }
            var first = Single(parts[0], v[..bar], out error);
            var second = first is null ? null : Single(parts[1], v[(bar + 1)..], out error);
            return second is null ? null : first + "|" + second;
        }
        return Single(type, v, out error);
    }

    // A loop, not a lambda: capturing `multiline` would allocate a closure on every call of Normalize.
    static bool HasRefusedControl(string v, bool multiline)
    {
        foreach (var c in v)
            if (char.IsControl(c) && c is not '\t' && !(multiline && c == '\n'))
                return true;
        return false;
    }

    public static bool TryNormalize(string type, string value, out string normalized)
    {
        normalized = Normalize(type, value, out _) ?? "";
        return normalized.Length > 0;
    }

    internal static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    static string? Single(string type, string raw, out string? error)
    {
        error = null;
        var v = raw.Trim();
        if (v.Length == 0)
        {
            error = "the value is empty";
            return null;
        }
        if (IndicatorTypes.HexLengths.TryGetValue(type, out var length))
        {
            v = v.ToLowerInvariant();
            if (v.Length != length || v.AsSpan().ContainsAnyExcept(HexDigits))
                error = $"a {type} is {length} hexadecimal digits";
            return error is null ? v : null;
        }
        switch (type)
        {
            case "tlsh" or "telfhash" or "vhash":
                return v.ToLowerInvariant();
            case "port":
                if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
                    error = "a port is a number from 0 to 65535";
                return error is null ? port.ToString(CultureInfo.InvariantCulture) : null;
            case "AS":
                var digits = v.StartsWith("AS", StringComparison.OrdinalIgnoreCase) ? v[2..] : v;
                if (!uint.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var asn))
                    error = "an AS is a number, optionally prefixed by AS";
                return error is null ? "AS" + asn.ToString(CultureInfo.InvariantCulture) : null;
        }
        return IndicatorTypes.KindOf(type) switch
        {
            IndicatorKind.Ip => Ip(Refang.Apply(v), out error),
            IndicatorKind.Domain => Host(Refang.Apply(v), out error),
            IndicatorKind.Url => Url(Refang.Apply(v), out error),
            IndicatorKind.Email => Email(Refang.Apply(v), out error),
            _ => v,
        };
    }

    /// <summary>An IPv4 (dotted decimal only, as written in feeds) or IPv6 address, or a CIDR block reduced to its network.</summary>
    public static string? Ip(string v, out string? error)
    {
        error = null;
        var slash = v.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? v : v[..slash];
        if (addressText.StartsWith('[') && addressText.EndsWith(']'))
            addressText = addressText[1..^1];
        if (!TryParseAddress(addressText, out var address))
        {
            error = $"'{Printable(v)}' is not an IPv4 or IPv6 address";
            return null;
        }
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = bits;
        if (slash >= 0 && (!int.TryParse(v[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > bits))
        {
            error = $"'{Printable(v)}' has an invalid prefix length; at most /{bits}";
            return null;
        }
        if (prefix == bits)
            return address.ToString();
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes) + "/" + prefix.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Strict: IPv4 only as four decimal octets (IPAddress.Parse also takes "1", "0x7f.1" and octal).</summary>
    public static bool TryParseAddress(string text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.Contains(':', StringComparison.Ordinal))
        {
            var zone = text.IndexOf('%', StringComparison.Ordinal);
            if (zone >= 0)
                text = text[..zone];
            if (!IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
                return false;
            address = v6;
            return true;
        }
        var octets = text.Split('.');
        if (octets.Length != 4)
            return false;
        var b = new byte[4];
        for (var i = 0; i < 4; i++)
            if (octets[i].Length is 0 or > 3 || !byte.TryParse(octets[i], NumberStyles.None, CultureInfo.InvariantCulture, out b[i]))
                return false;
        address = new IPAddress(b);
        return true;
    }

    static readonly IdnMapping Idn = new() { AllowUnassigned = true, UseStd3AsciiRules = false };

    static readonly System.Buffers.SearchValues<char> LabelChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");

    /// <summary>A domain or host name: lower-case, punycode, no trailing dot, at least two labels of valid characters.</summary>
    public static string? Host(string v, out string? error)
    {
        error = null;
        var host = v.TrimEnd('.');
        string ascii;
        try
        {
            ascii = System.Text.Ascii.IsValid(host) ? host.ToLowerInvariant() : Idn.GetAscii(host).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            error = $"'{Printable(v)}' is not a valid internationalized domain name";
            return null;
        }
        if (ascii.Length > 253 || !ascii.Contains('.', StringComparison.Ordinal))
        {
            error = $"'{Printable(v)}' is not a domain name (labels separated by dots, at most 253 characters)";
            return null;
        }
        foreach (var range in ascii.AsSpan().Split('.'))
        {
            var label = ascii.AsSpan(range);
            if (label.Length is 0 or > 63 || label.ContainsAnyExcept(LabelChars))
            {
                error = $"'{Printable(v)}' is not a domain name: label '{Printable(label.ToString())}' is empty, too long or has characters other than letters, digits, '-' and '_'";
                return null;
            }
        }
        return ascii;
    }

    public static string? Email(string v, out string? error)
    {
        error = null;
        var at = v.LastIndexOf('@');
        if (at <= 0 || at == v.Length - 1)
        {
            error = $"'{Printable(v)}' is not an e-mail address";
            return null;
        }
        var domain = Host(v[(at + 1)..], out error);
        return domain is null ? null : v[..at].ToLowerInvariant() + "@" + domain;
    }

    static readonly char[] AuthorityEnd = ['/', '?', '\\'];

    static readonly Dictionary<string, int> DefaultPorts = new(StringComparer.Ordinal) { ["http"] = 80, ["https"] = 443, ["ftp"] = 21, ["ws"] = 80, ["wss"] = 443 };

    /// <summary>
    /// RFC 3986 §6.2.2 normalization plus what phishing feeds need: a missing scheme reads as http, the host is
    /// normalized as a domain or an address, the default port and the fragment are dropped, an empty path is "/".
    /// </summary>
    public static string? Url(string v, out string? error)
    {
        error = null;
        var schemeEnd = v.IndexOf("://", StringComparison.Ordinal);
        var scheme = "http";
        if (schemeEnd > 0 && v[..schemeEnd].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.') && char.IsAsciiLetter(v[0]))
        {
            scheme = v[..schemeEnd].ToLowerInvariant();
            v = v[(schemeEnd + 3)..];
        }
        var hash = v.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
            v = v[..hash];
        var authorityEnd = v.IndexOfAny(AuthorityEnd);
        var authority = authorityEnd < 0 ? v : v[..authorityEnd];
        var rest = authorityEnd < 0 ? "" : v[authorityEnd..];
        var userinfo = "";
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            userinfo = PercentNormalize(authority[..at]) + "@";
            authority = authority[(at + 1)..];
        }
        string hostText = authority, portText = "";
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = $"'{Printable(v)}' has an unclosed IPv6 address";
                return null;
            }
            hostText = authority[1..close];
            portText = authority[(close + 1)..].TrimStart(':');
        }
        else if (authority.LastIndexOf(':') is var colon and >= 0)
        {
            hostText = authority[..colon];
            portText = authority[(colon + 1)..];
        }
        if (hostText.Length == 0)
        {
            error = $"'{Printable(v)}' has no host";
            return null;
        }
        string host;
        if (TryParseAddress(hostText, out var address))
            host = address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
        else if (Host(hostText, out error) is { } name)
            host = name;
        else
            return null;
        if (portText.Length > 0)
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            {
                error = $"'{Printable(portText)}' is not a port number";
                return null;
            }
            if (!DefaultPorts.TryGetValue(scheme, out var standard) || standard != port)
                host += ":" + port.ToString(CultureInfo.InvariantCulture);
        }
        var query = rest.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? rest : rest[..query];
        path = RemoveDotSegments(PercentNormalize(path.Replace('\\', '/')));
        if (path.Length == 0)
            path = "/";
        var q = query < 0 ? "" : "?" + PercentNormalize(rest[(query + 1)..]);
        return scheme + "://" + userinfo + host + path + q;
    }

    /// <summary>Upper-case hex in escapes, unreserved characters decoded, other non-URL characters (spaces, non-ASCII) encoded.</summary>
    static string PercentNormalize(string s)
    {
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '%' && i + 2 < s.Length && char.IsAsciiHexDigit(s[i + 1]) && char.IsAsciiHexDigit(s[i + 2]))
            {
                var b = (char)Convert.ToByte(s.Substring(i + 1, 2), 16);
                if (char.IsAsciiLetterOrDigit(b) || b is '-' or '.' or '_' or '~')
                    sb.Append(b);
                else
                    sb.Append('%').Append(char.ToUpperInvariant(s[i + 1])).Append(char.ToUpperInvariant(s[i + 2]));
                i += 2;
            }
            else if (c is > ' ' and < '\x7F' and not '"' and not '<' and not '>' and not '`' and not '{' and not '}' and not '|' and not '^' and not '%')
                sb.Append(c);
            else
                foreach (var b in Encoding.UTF8.GetBytes(c.ToString()))
                    sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>RFC 3986 §5.2.4.</summary>
    static string RemoveDotSegments(string path)
    {
        if (!path.Contains('.', StringComparison.Ordinal))
            return path;
        var output = new List<string>();
        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var seg = segments[i];
            var last = i == segments.Length - 1;
            if (seg == ".")
            {
                if (last)
                    output.Add("");
            }
            else if (seg == "..")
            {
                if (output.Count > 1)
                    output.RemoveAt(output.Count - 1);
                if (last)
                    output.Add("");
            }
            else
                output.Add(seg);
        }
        return string.Join('/', output);
    }

    /// <summary>Whether <paramref name="s"/> holds a control character (<see cref="char.IsControl(char)"/>: U+0000–U+001F, U+007F–U+009F).</summary>
    internal static bool HasControl(ReadOnlySpan<char> s) => s.ContainsAnyInRange('\u0000', '\u001F') || s.ContainsAnyInRange('\u007F', '\u009F');

    /// <summary>A value quoted in an error message: control characters escaped, long values cut.</summary>
    internal static string Printable(string s)
    {
        var cut = s.Length > 80 ? s[..80] + "…" : s;
        // Most quoted values hold no control character: no string per character for them (an import quotes every
        // refused guess, e.g. a hash tried as an address).
        if (!HasControl(cut))
            return cut;
        return string.Concat(cut.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }
}
