using Quell.Observables;

namespace Quell.Enrichment;

/// <summary>An organisation's settings of one analyzer, as stored (null columns: the definition's default).</summary>
public sealed class AnalyzerSettings
{
    public const string Columns = """
        org_id AS OrgId, name AS Name, enabled AS Enabled, base_url AS BaseUrl, config AS ConfigJson, secrets AS SecretsProtected,
        rate_limit AS RateLimitText, cache_ttl_ms AS CacheTtlMs, timeout_ms AS TimeoutMs, max_tlp AS MaxTlp, max_pap AS MaxPap, updated_by AS UpdatedBy, updated_at AS UpdatedAt
        """;

    public long OrgId { get; set; }
    public string Name { get; set; } = "";
    public bool Enabled { get; set; }
    public string? BaseUrl { get; set; }
    /// <summary>Plain configuration items (JSON object of strings); secret ones are only in <see cref="SecretsProtected"/>.</summary>
    public string ConfigJson { get; set; } = "{}";
    public string? SecretsProtected { get; set; }
    public string? RateLimitText { get; set; }
    public long? CacheTtlMs { get; set; }
    public long? TimeoutMs { get; set; }
    public int? MaxTlp { get; set; }
    public int? MaxPap { get; set; }
    public string UpdatedBy { get; set; } = "";
    public long UpdatedAt { get; set; }
}

/// <summary>What applies to a run: the definition's defaults overridden by the organisation's settings.</summary>
public sealed record EffectiveSettings(AnalyzerDefinition Definition, bool Enabled, string? BaseUrl, RateLimit RateLimit, TimeSpan CacheTtl, TimeSpan Timeout, Tlp MaxTlp, Tlp MaxPap)
{
    public static EffectiveSettings Of(AnalyzerDefinition d, AnalyzerSettings? s) => new(
        d,
        s?.Enabled ?? false,
        s?.BaseUrl ?? d.BaseUrl,
        s?.RateLimitText is { } text ? RateLimit.Parse(text, out _) ?? d.RateLimit : d.RateLimit,
        s?.CacheTtlMs is { } ms ? TimeSpan.FromMilliseconds(ms) : d.CacheTtl,
        s?.TimeoutMs is { } t ? TimeSpan.FromMilliseconds(t) : d.Timeout,
        s?.MaxTlp is { } tlp ? (Tlp)tlp : d.MaxTlp,
        s?.MaxPap is { } pap ? (Tlp)pap : d.MaxPap);

    /// <summary>Why a value of this TLP and PAP must not be sent to the service; null when it may.</summary>
    public string? Refusal(Tlp tlp, Tlp pap) =>
        tlp > MaxTlp ? $"TLP:{TlpNames.Name(tlp)} is above what {Definition.Name} may be sent (at most TLP:{TlpNames.Name(MaxTlp)}); nothing was sent"
        : pap > MaxPap ? $"PAP:{TlpNames.Name(pap)} is above what {Definition.Name} may be sent (at most PAP:{TlpNames.Name(MaxPap)}); nothing was sent"
        : null;
}
