namespace Quell.Intel.Flagging;

/// <summary>
/// How an observable's value matched an indicator, recorded with each flag (stored by name: never rename). The matcher
/// only says which indicators a value matches; the kind is worked out afterwards, for flags only, from the observable's
/// value and the indicator's type and value with the same detector and normalizer the matcher uses.
/// </summary>
public static class MatchKinds
{
    /// <summary>The values are equal after normalization.</summary>
    public const string Exact = "exact";
    /// <summary>The indicator is an address block that holds the address (or the address host of a URL).</summary>
    public const string Cidr = "cidr";
    /// <summary>The indicator is a domain or host name above the value's name (its host, its mail domain).</summary>
    public const string DomainSuffix = "domain-suffix";
    /// <summary>The value is a URL whose host is the indicator (a name or an address).</summary>
    public const string UrlHost = "url-host";
    /// <summary>The value is an e-mail address whose domain is the indicator.</summary>
    public const string EmailDomain = "email-domain";
    /// <summary>The indicator is composite (<c>filename|sha256</c>, <c>domain|ip</c>, …) and one of its parts matched.</summary>
    public const string CompositePart = "composite-part";

    public static readonly IReadOnlyList<string> All = [Exact, Cidr, DomainSuffix, UrlHost, EmailDomain, CompositePart];

    /// <summary>The kind of a match the matcher reported between a raw observable value and an indicator.</summary>
    public static string Of(string observable, string indicatorType, string indicatorValue)
    {
        if (IndicatorTypes.Parts(indicatorType) is not null)
            return CompositePart;
        var detected = TypeDetector.Detect(observable);
        var normalized = detected is { } d ? IndicatorNormalizer.Normalize(d.Type, d.Value, out _) : null;
        if (normalized is null || normalized == indicatorValue)
            return Exact;
        var valueKind = IndicatorTypes.Parts(detected!.Value.Type) is null ? IndicatorTypes.KindOf(detected.Value.Type) : IndicatorKind.Text;
        switch (IndicatorTypes.KindOf(indicatorType))
        {
            case IndicatorKind.Ip when indicatorValue.Contains('/', StringComparison.Ordinal):
                return Cidr;
            case IndicatorKind.Ip:
                return valueKind == IndicatorKind.Url ? UrlHost : Exact;
            case IndicatorKind.Domain:
                var name = valueKind switch
                {
                    IndicatorKind.Url => UrlHostOf(normalized),
                    IndicatorKind.Email => normalized[(normalized.LastIndexOf('@') + 1)..],
                    _ => normalized,
                };
                if (name != indicatorValue)
                    return DomainSuffix;
                return valueKind switch
                {
                    IndicatorKind.Url => UrlHost,
                    IndicatorKind.Email => EmailDomain,
                    _ => Exact,
                };
            default:
                return Exact;
        }
    }

    /// <summary>The host of a normalized URL (<c>scheme://[userinfo@]host[:port]/…</c>), without brackets or port.</summary>
    static string UrlHostOf(string url)
    {
        var start = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var end = url.IndexOfAny(['/', '?'], start);
        var authority = url[start..(end < 0 ? url.Length : end)];
        authority = authority[(authority.LastIndexOf('@') + 1)..];
        if (authority.StartsWith('['))
            return authority[1..authority.IndexOf(']', StringComparison.Ordinal)];
        var colon = authority.LastIndexOf(':');
        return colon < 0 ? authority : authority[..colon];
    }
}
