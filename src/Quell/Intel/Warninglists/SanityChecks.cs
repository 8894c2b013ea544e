using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Quell.Intel.Warninglists;

/// <summary>
/// Checks built into Quell, applied like warninglists so every install has them, with or without a warninglists
/// directory: reserved and special-purpose addresses, hashes of an empty file, free-text values too short to mean
/// anything, and the most visited sites. Each hit says why.
/// </summary>
public static partial class SanityChecks
{
    public const string ReservedAddress = "quell: reserved address";
    public const string EmptyFileHash = "quell: empty-file hash";
    public const string TooShort = "quell: too short";
    public const string TopSite = "quell: top site";

    static readonly string[] AddressTypes = ["ip-src", "ip-dst", "ip-src|port", "ip-dst|port", "domain|ip", "url", "link"];

    /// <summary>IANA special-purpose registries (RFC 6890 and the RFCs named): none of these is anyone's server on the Internet.</summary>
    static readonly (string Block, string Reason)[] ReservedBlocks =
    [
        ("0.0.0.0/32", "the unspecified address (RFC 1122)"),
        ("0.0.0.0/8", "'this network' (RFC 1122): never a destination on the Internet"),
        ("10.0.0.0/8", "a private network (RFC 1918): the same address exists inside countless organisations"),
        ("172.16.0.0/12", "a private network (RFC 1918): the same address exists inside countless organisations"),
        ("192.168.0.0/16", "a private network (RFC 1918): the same address exists inside countless organisations"),
        ("100.64.0.0/10", "carrier-grade NAT shared address space (RFC 6598): not routed on the Internet"),
        ("127.0.0.0/8", "loopback (RFC 1122): the machine itself"),
        ("169.254.0.0/16", "link-local (RFC 3927): only valid on one network segment"),
        ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
        ("192.0.2.0/24", "documentation range TEST-NET-1 (RFC 5737): appears in examples, never in traffic"),
        ("198.51.100.0/24", "documentation range TEST-NET-2 (RFC 5737): appears in examples, never in traffic"),
        ("203.0.113.0/24", "documentation range TEST-NET-3 (RFC 5737): appears in examples, never in traffic"),
        ("198.18.0.0/15", "benchmarking range (RFC 2544): not routed on the Internet"),
        ("224.0.0.0/4", "multicast (RFC 5771): a group, not a host"),
        ("240.0.0.0/4", "reserved for future use (RFC 1112)"),
        ("255.255.255.255/32", "the limited broadcast address (RFC 919)"),
        ("::/128", "the unspecified IPv6 address (RFC 4291)"),
        ("::1/128", "IPv6 loopback (RFC 4291): the machine itself"),
        ("100::/64", "IPv6 discard-only block (RFC 6666)"),
        ("fc00::/7", "an IPv6 unique local address (RFC 4193): private, like RFC 1918"),
        ("fe80::/10", "IPv6 link-local (RFC 4291): only valid on one network segment"),
        ("ff00::/8", "IPv6 multicast (RFC 4291): a group, not a host"),
        ("2001:db8::/32", "IPv6 documentation prefix (RFC 3849): appears in examples, never in traffic"),
    ];

    /// <summary>The most visited domains, so an install without a top-sites warninglist still does not block google.com.</summary>
    static readonly string[] BuiltInTopSites =
    [
        "google.com", "youtube.com", "facebook.com", "instagram.com", "whatsapp.com", "whatsapp.net", "twitter.com", "x.com",
        "wikipedia.org", "yahoo.com", "amazon.com", "live.com", "microsoft.com", "microsoftonline.com", "office.com",
        "office365.com", "outlook.com", "windows.net", "bing.com", "linkedin.com", "netflix.com", "apple.com", "icloud.com",
        "reddit.com", "baidu.com", "qq.com", "yandex.ru", "tiktok.com", "github.com", "cloudflare.com", "akamaiedge.net",
        "googleapis.com", "gstatic.com", "gmail.com", "googleusercontent.com", "doubleclick.net", "zoom.us", "dropbox.com",
        "adobe.com", "salesforce.com", "paypal.com", "ebay.com", "wordpress.com", "stackoverflow.com", "mozilla.org",
        "office.net", "sharepoint.com", "skype.com", "t.me", "telegram.org", "discord.com",
    ];

    static readonly string[] HashTypes =
        ["md5", "sha1", "sha224", "sha256", "sha384", "sha512", "ssdeep",
         "filename|md5", "filename|sha1", "filename|sha224", "filename|sha256", "filename|sha384", "filename|sha512", "filename|ssdeep"];

    /// <summary>A loaded hostname list of top sites (Tranco, Alexa, Umbrella, Majestic), whose entries join <see cref="TopSite"/>.</summary>
    [GeneratedRegex(@"\b(top|most[- ]used|most visited|tranco|alexa|umbrella|majestic)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TopListName();

    public static bool IsTopSiteList(Warninglist list) => list.Type == WarninglistType.Hostname && TopListName().IsMatch(list.Name);

    /// <summary>The sanity checks; <see cref="TopSite"/> also holds the entries of the top-site lists among <paramref name="loaded"/>.</summary>
    public static IReadOnlyList<CompiledWarninglist> Create(IReadOnlyList<CompiledWarninglist> loaded)
    {
        var reserved = CidrMatcher.Create(ReservedBlocks.Select(b => (b.Block, (string?)b.Reason)), out _)!;
        var empty = EmptyFileHashes();
        var textTypes = ShortValueMatcher.TextTypes.Concat(IndicatorTypes.All.Where(t => t.StartsWith("filename|", StringComparison.Ordinal))).Distinct().ToArray();
        var topEntries = BuiltInTopSites.Select(d => (d, (string?)$"{d} is one of the most visited sites (built-in list): an indicator on it would flag everyone's traffic"))
            .Concat(loaded.Where(l => IsTopSiteList(l.List)).SelectMany(l => l.List.Entries.Select(e =>
                (e, (string?)$"{e.Trim().Trim('.').ToLowerInvariant()} is in '{l.List.Name}': an indicator on a top site would flag everyone's traffic"))));
        var top = new HostnameMatcher(topEntries);
        return
        [
            Builtin(ReservedAddress, "Reserved, private and special-purpose addresses (RFC 6890 registries)", WarninglistType.Cidr, AddressTypes, reserved),
            Builtin(EmptyFileHash, "Hashes of zero bytes: every empty file has them", WarninglistType.String, HashTypes, new StringMatcher(empty)),
            Builtin(TooShort, $"Free-text values shorter than {ShortValueMatcher.MinLength} characters", WarninglistType.String, textTypes, new ShortValueMatcher()),
            Builtin(TopSite, "The most visited sites: built-in list plus any loaded top-sites list", WarninglistType.Hostname,
                ["domain", "hostname", "domain|ip", "url", "link"], top),
        ];
    }

    /// <summary>Computed rather than copied, so they cannot be mistyped; SHA-224 is not in .NET, its empty digest is FIPS 180-4's.</summary>
    static IEnumerable<(string, string?)> EmptyFileHashes()
    {
        static string Hex(byte[] b) => Convert.ToHexStringLower(b);
        yield return (Hex(MD5.HashData([])), "the MD5 of zero bytes: every empty file has it");
        yield return (Hex(SHA1.HashData([])), "the SHA-1 of zero bytes: every empty file has it");
        yield return ("d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f", "the SHA-224 of zero bytes: every empty file has it");
        yield return (Hex(SHA256.HashData([])), "the SHA-256 of zero bytes: every empty file has it");
        yield return (Hex(SHA384.HashData([])), "the SHA-384 of zero bytes: every empty file has it");
        yield return (Hex(SHA512.HashData([])), "the SHA-512 of zero bytes: every empty file has it");
        yield return ("3::", "the ssdeep of zero bytes: every empty file has it");
    }

    static CompiledWarninglist Builtin(string name, string description, WarninglistType type, IReadOnlyList<string> types, IListMatcher matcher) =>
        new(new Warninglist(name, description, 1, type, [], types, null), matcher, CompiledWarninglist.QuellSource);
}
