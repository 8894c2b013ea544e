using Quell.Observables;

namespace Quell.Enrichment;

/// <summary>An organisation's settings of one analyzer, as stored (null columns: the definition's default).</summary>
public sealed class AnalyzerSettings
{
    public const string Columns = """
        org_id AS OrgId, name AS Name, enabled AS Enabled, base_url AS BaseUrl, config AS ConfigJson, secrets AS SecretsProtected,
        rate_limit AS RateLimitText, cache_ttl_ms AS CacheTtlMs, timeout_ms AS TimeoutMs, max_tlp AS MaxTlp, max_pap AS MaxPap, auto AS Auto, artifacts AS Artifacts, updated_by AS UpdatedBy, updated_at AS UpdatedAt
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
    /// <summary>Where the analyzer runs by itself: one of <see cref="AutoModes.All"/>.</summary>
    public string Auto { get; set; } = AutoModes.Off;
    /// <summary>What becomes of a successful report's artifacts: one of <see cref="ArtifactModes.All"/>.</summary>
    public string Artifacts { get; set; } = ArtifactModes.Keep;
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

/// <summary>The values of an analyzer's <c>auto</c> setting: the observables it runs on without being asked.</summary>
public static class AutoModes
{
    public const string Off = "off";
    public const string Alerts = "alerts";
    public const string Cases = "cases";
    public const string Both = "both";
    public static readonly string[] All = [Off, Alerts, Cases, Both];

    /// <summary>Whether the mode runs on observables of an alert (<c>kind</c> "alert") or a case ("case").</summary>
    public static bool Allows(string mode, string kind) =>
        mode == Both || (mode == Alerts && kind == "alert") || (mode == Cases && kind == "case");
}

/// <summary>
/// The values of an analyzer's <c>artifacts</c> setting: <c>keep</c> leaves them in the report; <c>add</c> makes them
/// observables of the alert or case the report was made for.
/// </summary>
public static class ArtifactModes
{
    public const string Keep = "keep";
    public const string Add = "add";
    public static readonly string[] All = [Keep, Add];
}
