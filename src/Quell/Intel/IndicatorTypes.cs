using System.Collections.Frozen;

namespace Quell.Intel;

/// <summary>How the matcher compares values of a type: one index per kind.</summary>
public enum IndicatorKind
{
    /// <summary>Compared as the exact normalized string (filenames, mutexes, user agents, ...).</summary>
    Text,
    /// <summary>An IPv4 or IPv6 address or CIDR block: addresses fall inside blocks.</summary>
    Ip,
    /// <summary>A domain or host name: a listed domain matches its subdomains.</summary>
    Domain,
    /// <summary>A URL: exact after canonicalization, and by host.</summary>
    Url,
    /// <summary>An e-mail address.</summary>
    Email,
    /// <summary>A hash or fingerprint (lower-case hex where the type has a fixed length).</summary>
    Hash,
}

/// <summary>
/// MISP attribute types (describeTypes.json): default category and to_ids, the categories, which types a category
/// allows, the parts of composite types (<c>filename|sha256</c>, <c>ip-dst|port</c>, <c>domain|ip</c>, ...) and the
/// matching kind of each type.
/// </summary>
public static partial class IndicatorTypes
{
    /// <summary>Built from the generated table on first use: static fields of partial files initialize in no fixed order.</summary>
    static class Index
    {
        internal static readonly FrozenDictionary<string, (string Category, bool ToIds)> ByType =
            Defaults.ToFrozenDictionary(d => d.Type, d => (d.Category, d.ToIds), StringComparer.Ordinal);

        internal static readonly FrozenDictionary<string, FrozenSet<string>> ByCategory =
            CategoryTypes.ToFrozenDictionary(c => c.Category, c => c.Types.ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal);
    }

    static FrozenDictionary<string, (string Category, bool ToIds)> ByType => Index.ByType;
    static FrozenDictionary<string, FrozenSet<string>> ByCategory => Index.ByCategory;

    /// <summary>Hex digests and fingerprints with a fixed length: stored lower-case, the length is checked.</summary>
    public static readonly FrozenDictionary<string, int> HexLengths = new Dictionary<string, int>
    {
        ["md5"] = 32,
        ["sha1"] = 40,
        ["sha224"] = 56,
        ["sha256"] = 64,
        ["sha384"] = 96,
        ["sha512"] = 128,
        ["sha512/224"] = 56,
        ["sha512/256"] = 64,
        ["sha3-224"] = 56,
        ["sha3-256"] = 64,
        ["sha3-384"] = 96,
        ["sha3-512"] = 128,
        ["imphash"] = 32,
        ["authentihash"] = 64,
        ["cdhash"] = 40,
        ["pehash"] = 40,
        ["git-commit-id"] = 40,
        ["x509-fingerprint-md5"] = 32,
        ["x509-fingerprint-sha1"] = 40,
        ["x509-fingerprint-sha256"] = 64,
        ["ja3-fingerprint-md5"] = 32,
        ["hassh-md5"] = 32,
        ["hasshserver-md5"] = 32,
        ["jarm-fingerprint"] = 62,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    static readonly FrozenSet<string> OtherHashes = new[] { "ssdeep", "tlsh", "vhash", "impfuzzy", "telfhash", "favicon-mmh3", "dom-hash" }
        .ToFrozenSet(StringComparer.Ordinal);

    static readonly FrozenSet<string> IpTypes = new[] { "ip-src", "ip-dst" }.ToFrozenSet(StringComparer.Ordinal);
    static readonly FrozenSet<string> DomainTypes = new[] { "domain", "hostname" }.ToFrozenSet(StringComparer.Ordinal);
    static readonly FrozenSet<string> UrlTypes = new[] { "url", "link" }.ToFrozenSet(StringComparer.Ordinal);
    static readonly FrozenSet<string> EmailTypes = new[]
    {
        "email", "email-src", "email-dst", "email-reply-to", "target-email", "whois-registrant-email", "dns-soa-email", "eppn",
    }.ToFrozenSet(StringComparer.Ordinal);

    public static IEnumerable<string> All => Defaults.Select(d => d.Type);
    public static IEnumerable<string> Categories => CategoryTypes.Select(c => c.Category);

    public static bool IsKnown(string type) => ByType.ContainsKey(type);
    public static string DefaultCategory(string type) => ByType[type].Category;
    public static bool DefaultToIds(string type) => ByType[type].ToIds;
    public static bool IsCategory(string category) => ByCategory.ContainsKey(category);
    public static bool CategoryAllows(string category, string type) => ByCategory.TryGetValue(category, out var types) && types.Contains(type);

    /// <summary>The types of the parts of a composite type (<c>filename|sha256</c> → filename, sha256), or null.</summary>
    public static string[]? Parts(string type)
    {
        var bar = type.IndexOf('|', StringComparison.Ordinal);
        if (bar < 0)
            return null;
        return [PartType(type[..bar]), PartType(type[(bar + 1)..])];

        // "domain|ip" names its second part "ip"; "regkey|value" its second "value".
        static string PartType(string p) => p switch { "ip" => "ip-dst", "value" => "text", _ => p };
    }

    /// <summary>The matching kind of a single (not composite) type.</summary>
    public static IndicatorKind KindOf(string type) =>
        IpTypes.Contains(type) ? IndicatorKind.Ip
        : DomainTypes.Contains(type) ? IndicatorKind.Domain
        : UrlTypes.Contains(type) ? IndicatorKind.Url
        : EmailTypes.Contains(type) ? IndicatorKind.Email
        : HexLengths.ContainsKey(type) || OtherHashes.Contains(type) ? IndicatorKind.Hash
        : IndicatorKind.Text;
}
