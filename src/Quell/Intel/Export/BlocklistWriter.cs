using System.Text;

namespace Quell.Intel.Export;

/// <summary>What a plain-text blocklist holds; each goes to a different enforcement point.</summary>
public enum BlocklistKind
{
    /// <summary>IPv4/IPv6 addresses and CIDR blocks, for firewalls.</summary>
    Ip,
    /// <summary>Domain and host names, for DNS filters and proxies.</summary>
    Domain,
    /// <summary>URLs, for proxies.</summary>
    Url,
    /// <summary>File hashes (MD5, SHA-1, SHA-256, ...), for endpoint and mail filters.</summary>
    Hash,
}

/// <summary>
/// Plain-text blocklists: one value per line, sorted, no duplicates, no header (firewalls and proxies read bare
/// lists). Composite indicators contribute their matching part (<c>domain|ip</c> gives its domain to the domain list
/// and its address to the IP list; <c>filename|sha256</c> its hash).
/// </summary>
public static class BlocklistWriter
{
    public static bool TryParseKind(string text, out BlocklistKind kind) => Enum.TryParse(text, ignoreCase: true, out kind) && Enum.IsDefined(kind);

    public static void Write(Stream output, IEnumerable<ExportIndicator> indicators, BlocklistKind kind)
    {
        var bytes = Encoding.UTF8.GetBytes(string.Concat(Values(indicators, kind).Select(v => v + "\n")));
        output.Write(bytes);
    }

    /// <summary>The values of <paramref name="kind"/>, sorted ordinally and unique.</summary>
    public static IReadOnlyList<string> Values(IEnumerable<ExportIndicator> indicators, BlocklistKind kind)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var i in indicators)
            set.UnionWith(ValuesOf(i, kind));
        return [.. set];
    }

    /// <summary>What one indicator gives to the list of <paramref name="kind"/>: nothing, its value, or a part of a composite.</summary>
    public static IEnumerable<string> ValuesOf(ExportIndicator i, BlocklistKind kind)
    {
        foreach (var (type, value) in Singles(i))
            if (Matches(type, kind) && value.Length > 0 && !value.Any(c => char.IsControl(c) || c == ' '))
                yield return value;
    }

    static bool Matches(string type, BlocklistKind kind) => kind switch
    {
        BlocklistKind.Ip => IndicatorTypes.KindOf(type) == IndicatorKind.Ip,
        BlocklistKind.Domain => IndicatorTypes.KindOf(type) == IndicatorKind.Domain,
        BlocklistKind.Url => IndicatorTypes.KindOf(type) == IndicatorKind.Url,
        BlocklistKind.Hash => IndicatorTypes.KindOf(type) == IndicatorKind.Hash && !type.StartsWith("x509", StringComparison.Ordinal) && !type.StartsWith("ja3", StringComparison.Ordinal)
            && !type.StartsWith("hassh", StringComparison.Ordinal) && type is not ("jarm-fingerprint" or "favicon-mmh3" or "dom-hash" or "git-commit-id"),
        _ => false,
    };

    /// <summary>The single-typed parts of an indicator: itself, or the two parts of a composite.</summary>
    internal static IEnumerable<(string Type, string Value)> Singles(ExportIndicator i)
    {
        if (IndicatorTypes.Parts(i.Type) is not { } parts)
            return [(i.Type, i.Value)];
        var bar = parts[0] == "filename" ? i.Value.LastIndexOf('|') : i.Value.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? [] : [(parts[0], i.Value[..bar]), (parts[1], i.Value[(bar + 1)..])];
    }
}
