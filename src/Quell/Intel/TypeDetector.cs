using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Quell.Intel;

/// <summary>
/// Guesses the MISP type of a bare value, for freetext feeds (OpenPhish: one URL per line) and pasted lists:
/// addresses and blocks, address:port, hashes by length, ssdeep, URLs, e-mail addresses, CVE ids, AS numbers,
/// domains (two labels) and host names (more), host:port. Defanged values are refanged first. A name whose last
/// label is a common file extension (<c>invoice.pdf.exe</c>) is a filename, not a domain.
/// </summary>
public static partial class TypeDetector
{
    // "com" is left out although .com files run: as a last label it is far more often the top-level domain.
    static readonly FrozenSet<string> FileExtensions = new[]
    {
        "exe", "dll", "sys", "scr", "bat", "cmd", "ps1", "psm1", "vbs", "vbe", "js", "jse", "wsf", "hta", "lnk", "msi",
        "jar", "apk", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "pdf", "rtf", "txt", "zip", "rar", "7z",
        "gz", "tar", "iso", "img", "html", "htm", "php", "asp", "aspx", "jsp", "py", "sh", "elf", "bin", "dat", "tmp", "log",
        "png", "jpg", "jpeg", "gif", "svg", "one", "xll", "cab", "vhd", "vhdx",
    }.ToFrozenSet(StringComparer.Ordinal);

    static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> FileExtensionLookup = FileExtensions.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Whether a name's last label (lower-case ASCII) makes the detector read it as a filename.</summary>
    internal static bool IsFileExtension(ReadOnlySpan<byte> lowerAscii)
    {
        if (lowerAscii.Length > 8)
            return false;
        Span<char> chars = stackalloc char[lowerAscii.Length];
        for (var i = 0; i < chars.Length; i++)
            chars[i] = (char)lowerAscii[i];
        return FileExtensionLookup.Contains(chars);
    }

    /// <summary>Hash lengths the detector types by (hexadecimal digits).</summary>
    internal static bool IsHashLength(int length) => HashByLength.ContainsKey(length);

    static readonly FrozenDictionary<int, string> HashByLength = new Dictionary<int, string>
    {
        [32] = "md5",
        [40] = "sha1",
        [56] = "sha224",
        [64] = "sha256",
        [96] = "sha384",
        [128] = "sha512",
    }.ToFrozenDictionary();

    [GeneratedRegex(@"^\d+:[A-Za-z0-9/+]+:[A-Za-z0-9/+]+(?:,""?[^""]*""?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Ssdeep();

    [GeneratedRegex(@"^CVE-\d{4}-\d{4,}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Cve();

    [GeneratedRegex(@"^AS\d{1,10}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Asn();

    // Static: a collection expression at the call would build a new array for every value.
    static readonly char[] Quotes = ['"', '\'', '<', '>'];
    static readonly char[] PathStart = ['/', '?'];

    static bool HasWhiteSpace(string v)
    {
        foreach (var c in v)
            if (char.IsWhiteSpace(c))
                return true;
        return false;
    }

    /// <summary>The detected type and the value as it should be stored (refanged; not yet normalized), or null.</summary>
    public static (string Type, string Value)? Detect(string text) => Detect(text, out _);

    /// <summary>
    /// <see cref="Detect(string)"/>, with the value's normalized form when detecting it computed that form already
    /// (addresses, URLs, e-mail addresses, domains and host names): exactly what
    /// <see cref="IndicatorNormalizer.Normalize"/> returns for the type and value, so an import need not parse the value
    /// twice. Null when not computed, and for values that are defanged or hold control characters, where the normalizer
    /// does more than the detector (it refangs again, or refuses).
    /// </summary>
    public static (string Type, string Value)? Detect(string text, out string? normalized)
    {
        normalized = null;
        var detected = DetectCore(text, ref normalized);
        if (detected is null || normalized is null || !Refang.IsPlain(detected.Value.Value) || IndicatorNormalizer.HasControl(detected.Value.Value))
            normalized = null;
        return detected;
    }

    static (string Type, string Value)? DetectCore(string text, ref string? normalized)
    {
        var v = Refang.Apply(text.Trim().Trim(Quotes));
        if (v.Length is 0 or > IndicatorNormalizer.MaxLength || HasWhiteSpace(v))
            return null;
        // Cheap tests on the first characters decide which parsers and patterns can apply at all. A hash (hex digits
        // only) and a URL ("://") are never addresses, so they are recognized before the address parser is tried: for
        // the hashes that start with a digit and every URL it would fail, and a failure formats its error message.
        var first = v[0];
        if (HashByLength.TryGetValue(v.Length, out var hash) && !v.AsSpan().ContainsAnyExcept(IndicatorNormalizer.HexDigits))
            return (hash, v);
        var scheme = v.Contains("://", StringComparison.Ordinal);
        if (!scheme && (char.IsAsciiDigit(first) || v.Contains(':', StringComparison.Ordinal)) && (normalized = IndicatorNormalizer.Ip(v, out _)) is not null)
            return ("ip-dst", v);
        if (char.IsAsciiDigit(first) && Ssdeep().IsMatch(v))
            return ("ssdeep", v);
        if (first is 'C' or 'c' && Cve().IsMatch(v))
            return ("vulnerability", v.ToUpperInvariant());
        if (first is 'A' or 'a' && Asn().IsMatch(v))
            return ("AS", v);
        if (scheme)
            return (normalized = IndicatorNormalizer.Url(v, out _)) is null ? null : ("url", v);
        if (v.Contains('@', StringComparison.Ordinal))
            return (normalized = IndicatorNormalizer.Email(v, out _)) is null ? null : ("email", v);
        // address:port and host:port
        var colon = v.LastIndexOf(':');
        if (colon > 0 && !v.Contains('/', StringComparison.Ordinal) && v.Count(c => c == ':') == 1 && v[(colon + 1)..].All(char.IsAsciiDigit) && colon < v.Length - 1)
        {
            var host = v[..colon];
            if (IndicatorNormalizer.TryParseAddress(host, out _))
                return ("ip-dst|port", host + "|" + v[(colon + 1)..]);
            if (IsDomainName(host, out _))
                return ("hostname|port", host + "|" + v[(colon + 1)..]);
            return null;
        }
        var slash = v.IndexOfAny(PathStart);
        if (slash > 0)
            return IsDomainName(v[..slash], out _) || IndicatorNormalizer.TryParseAddress(v[..slash], out _) ? ("url", v) : null;
        if (!IsDomainName(v, out var name))
            return null;
        var last = v[(v.LastIndexOf('.') + 1)..].ToLowerInvariant();
        if (FileExtensions.Contains(last))
            return ("filename", v);
        normalized = name;
        return (v.TrimEnd('.').Count(c => c == '.') == 1 ? "domain" : "hostname", v);
    }

    /// <summary>A host name whose last label looks like a top-level domain (letters, or punycode), so "1.2.3" and "a.b1" are not.</summary>
    static bool IsDomainName(string v, out string? host)
    {
        host = IndicatorNormalizer.Host(v, out _);
        if (host is null)
            return false;
        var tld = host[(host.LastIndexOf('.') + 1)..];
        return tld.StartsWith("xn--", StringComparison.Ordinal) || (tld.Length >= 2 && tld.All(char.IsAsciiLetter));
    }
}
