using static Quell.Server.Dev.SeedVocabulary;

namespace Quell.Server.Dev;

/// <summary>
/// Observable values as the API stores them (already normalized: lower-case hosts and hashes, canonical IPs).
/// A quarter of the values come from small per-type pools with a skewed popularity, so a few values appear in
/// thousands of alerts (the "similar alerts" case); the rest are drawn from spaces large enough to be nearly unique.
/// </summary>
sealed class ValuePools
{
    const int PoolSize = 400;
    readonly Dictionary<string, string[]> _hot = [];

    public ValuePools(int seed)
    {
        var rng = new Random(seed ^ 0x0B5E);
        foreach (var type in new[] { "ip", "domain", "fqdn", "url", "hash", "mail", "mail-subject", "hostname", "filename" })
            _hot[type] = Enumerable.Range(0, PoolSize).Select(_ => Rare(rng, type)).Distinct().ToArray();
        _hot["user-agent"] = UserAgents;
    }

    /// <summary>The pooled values of a type, most frequent first (for tests and benchmarks that need a shared value).</summary>
    public IReadOnlyList<string> Hot(string type) => _hot[type];

    public string Value(Random rng, string type) =>
        type == "user-agent" || rng.NextDouble() < SeedSpec.SharedValueShare
            ? _hot[type][Skewed(rng, _hot[type].Length)]
            : Rare(rng, type);

    public string Hostname(Random rng) => rng.NextDouble() < 0.3 ? _hot["hostname"][Skewed(rng, _hot["hostname"].Length)] : Rare(rng, "hostname");

    public string Mail(Random rng) => _hot["mail"][Skewed(rng, _hot["mail"].Length)];

    public string Domain(Random rng) => _hot["domain"][Skewed(rng, _hot["domain"].Length)];

    public static string Rare(Random rng, string type) => type switch
    {
        "ip" => $"{rng.Next(1, 224)}.{rng.Next(256)}.{rng.Next(256)}.{rng.Next(1, 255)}",
        "domain" => RareDomain(rng),
        "fqdn" => $"{Pick(rng, Words)}{rng.Next(100)}.{RareDomain(rng)}",
        "url" => $"https://{RareDomain(rng)}/{Pick(rng, Words)}/{Hex(rng, 8)}?id={rng.Next(100000)}",
        "hash" => Hex(rng, 64),
        "mail" => $"{Pick(rng, Words)}.{Pick(rng, Words)}{rng.Next(1000)}@{RareDomain(rng)}",
        "mail-subject" => $"{Pick(rng, Subjects)} #{rng.Next(100000)}",
        "hostname" => $"ws-{Pick(rng, ["fin", "hr", "it", "ops", "dev", "sales", "legal"])}-{rng.Next(20000):D5}",
        "filename" => $"{Pick(rng, Words)}_{Hex(rng, 6)}.{Pick(rng, FileExtensions)}",
        "user-agent" => Pick(rng, UserAgents),
        _ => Hex(rng, 16),
    };

    static string RareDomain(Random rng) => $"{Pick(rng, Words)}-{Pick(rng, Words)}{Hex(rng, 4)}.{Pick(rng, Tlds)}";

    static string Hex(Random rng, int length)
    {
        Span<byte> bytes = stackalloc byte[(length + 1) / 2];
        rng.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes)[..length];
    }
}
