using System.Collections.Frozen;

namespace Quell.Intel.Warninglists;

/// <summary>
/// MISP "hostname" lists: the host of the value, or any parent domain of it, is an entry (entries lower-cased, outer
/// dots dropped, as MISP does). The shortest listed suffix is reported, as MISP walks from the top-level domain down.
/// </summary>
public sealed class HostnameMatcher : IListMatcher
{
    readonly FrozenDictionary<string, ListMatch> _entries;

    public HostnameMatcher(IEnumerable<(string Entry, string? Reason)> entries)
    {
        var map = new Dictionary<string, ListMatch>(StringComparer.Ordinal);
        foreach (var (entry, reason) in entries)
        {
            var e = entry.Trim().Trim('.').ToLowerInvariant();
            if (e.Length > 0)
                map.TryAdd(e, new ListMatch(e, reason));
        }
        _entries = map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public int Count => _entries.Count;

    public ListMatch? Match(string type, string value)
    {
        var host = HostOf(type, value);
        if (host.IsEmpty)
            return null;
        var lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
        var dot = host.Length;
        while (dot > 0)
        {
            dot = host[..dot].LastIndexOf('.');
            var suffix = dot < 0 ? host : host[(dot + 1)..];
            if (lookup.TryGetValue(suffix, out var m))
                return m;
        }
        return null;
    }

    /// <summary>
    /// The host a hostname check looks at: the value of a domain or host name; the host of a normalized URL (without
    /// user info, port or IPv6 brackets); for other types, as MISP, the text before the first '/' (after "//" if any).
    /// </summary>
    public static ReadOnlySpan<char> HostOf(string type, string value)
    {
        var v = value.AsSpan();
        var kind = IndicatorTypes.KindOf(type);
        if (kind == IndicatorKind.Domain)
            return v;
        var scheme = v.IndexOf("//", StringComparison.Ordinal);
        if (scheme >= 0)
            v = v[(scheme + 2)..];
        var end = v.IndexOfAny('/', '?', '#');
        if (end >= 0)
            v = v[..end];
        var at = v.LastIndexOf('@');
        if (at >= 0 && kind == IndicatorKind.Url)
            v = v[(at + 1)..];
        if (v.StartsWith("["))
        {
            var close = v.IndexOf(']');
            return close < 0 ? [] : v[1..close];
        }
        var colon = v.LastIndexOf(':');
        if (colon >= 0 && kind == IndicatorKind.Url)
            v = v[..colon];
        return v.TrimEnd('.');
    }
}
