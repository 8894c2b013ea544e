using Quell.Observables;

namespace Quell.Enrichment;

/// <summary>An analyzer as <c>GET /api/v1/analyzers</c> shows it: definition, the organisation's settings (secrets masked), what applies.</summary>
public sealed record AnalyzerView(
    string Name,
    string Description,
    bool Enabled,
    IReadOnlyList<string> DataTypes,
    string? BaseUrl,
    string? DefaultBaseUrl,
    IReadOnlyDictionary<string, string> Config,
    IReadOnlyList<ConfigItem> ConfigItems,
    string RateLimit,
    double CacheTtl,
    string MaxTlp,
    string MaxPap,
    double Timeout,
    string Auto,
    string Artifacts,
    string? UpdatedBy,
    DateTimeOffset? UpdatedAt)
{
    public static AnalyzerView Of(AnalyzerDefinition d, AnalyzerSettings? s)
    {
        var e = EffectiveSettings.Of(d, s);
        var config = s is null ? new Dictionary<string, string>(StringComparer.Ordinal) : ConfigJson.Read(s.ConfigJson);
        return new AnalyzerView(d.Name, d.Description, e.Enabled, d.DataTypes, e.BaseUrl, d.BaseUrl, config, d.Config, e.RateLimit.ToString(), e.CacheTtl.TotalSeconds,
            TlpNames.Name(e.MaxTlp), TlpNames.Name(e.MaxPap), e.Timeout.TotalSeconds, s?.Auto ?? AutoModes.Off, s?.Artifacts ?? ArtifactModes.Keep, s?.UpdatedBy,
            s is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(s.UpdatedAt));
    }

    /// <summary>What the audit log keeps of a change: the view (secrets are masked in it), never the secrets.</summary>
    public static object Audit(AnalyzerDefinition d, AnalyzerSettings? s) => Of(d, s) with { UpdatedAt = null };
}
