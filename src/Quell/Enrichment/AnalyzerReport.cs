using System.Text.Json;
using System.Text.Json.Serialization;

namespace Quell.Enrichment;

/// <summary>Taxonomy levels (Cortex's). Stored by name: never rename.</summary>
public static class Levels
{
    public const string Info = "info";
    public const string Safe = "safe";
    public const string Suspicious = "suspicious";
    public const string Malicious = "malicious";

    static readonly string[] Order = [Info, Safe, Suspicious, Malicious];

    /// <summary>The most severe of <paramref name="levels"/> (malicious over suspicious over safe over info); null when none.</summary>
    public static string? Worst(IEnumerable<string> levels) =>
        levels.Select(l => Array.IndexOf(Order, l)).DefaultIfEmpty(-1).Max() is var i and >= 0 ? Order[i] : null;
}

/// <summary>One line of a report's summary, in Cortex's shape: level, namespace, predicate, value.</summary>
public sealed record Taxonomy(string Level, [property: JsonPropertyName("namespace")] string Namespace, string Predicate, string Value);

/// <summary>A value the analyzer found in its answer (a resolved address, a payload hash) that could become an observable.</summary>
public sealed record Artifact(string DataType, string Data, string? Message = null);

/// <summary>What an analyzer returns for one value: its summary, the service's answer and the artifacts in it.</summary>
public sealed record AnalyzerResult(IReadOnlyList<Taxonomy> Taxonomies, JsonElement? Full, IReadOnlyList<Artifact> Artifacts)
{
    /// <summary>Set when the service is still working: the state to call again with (see <see cref="Later"/>).</summary>
    public JsonElement? PollState { get; init; }

    /// <summary>
    /// Not finished yet (a sandbox still detonating): the job keeps <paramref name="state"/> (small JSON: ids, never
    /// secrets) with the report and runs the analyzer again with it after the poll interval.
    /// </summary>
    public static AnalyzerResult Later(object state) =>
        new([], null, []) { PollState = JsonSerializer.SerializeToElement(state, AnalyzerReport.Json) };
}

/// <summary>Report states. Stored by name: never rename.</summary>
public static class ReportStatus
{
    /// <summary>Waiting for its job (queued, rate-limited or retrying).</summary>
    public const string Pending = "pending";
    public const string Success = "success";
    /// <summary>The service could not answer (reason says why); not retried further.</summary>
    public const string Failure = "failure";
    /// <summary>Nothing was sent (the observable's TLP or PAP is above the analyzer's limit; the reason says which).</summary>
    public const string Skipped = "skipped";
}

/// <summary>A stored report as the API shows it.</summary>
public sealed class AnalyzerReport
{
    public const string Columns = """
        id AS Id, analyzer AS Analyzer, data_type AS DataType, data AS Data, status AS Status, level AS Level, taxonomies AS TaxonomiesJson,
        full_json AS FullJson, full_truncated AS FullTruncated, artifacts AS ArtifactsJson, reason AS Reason, observable_kind AS ObservableKind,
        observable_id AS ObservableId, job_id AS JobId, cached_from AS CachedFrom, created_at AS CreatedAtMs, finished_at AS FinishedAtMs, expires_at AS ExpiresAtMs,
        poll_state AS PollStateJson, poll_since AS PollSinceMs, polls AS Polls
        """;

    public long Id { get; set; }
    public string Analyzer { get; set; } = "";
    public string DataType { get; set; } = "";
    public string Data { get; set; } = "";
    public string Status { get; set; } = ReportStatus.Pending;
    public string? Level { get; set; }
    [JsonIgnore] public string TaxonomiesJson { get; set; } = "[]";
    public IReadOnlyList<Taxonomy> Taxonomies => JsonSerializer.Deserialize<List<Taxonomy>>(TaxonomiesJson, Json) ?? [];
    [JsonIgnore] public string? FullJson { get; set; }
    /// <summary>The service's whole answer; null when it was larger than the limit (then <see cref="FullTruncated"/>).</summary>
    public JsonElement? Full => FullJson is null ? null : JsonDocument.Parse(FullJson).RootElement.Clone();
    public bool FullTruncated { get; set; }
    [JsonIgnore] public string ArtifactsJson { get; set; } = "[]";
    public IReadOnlyList<Artifact> Artifacts => JsonSerializer.Deserialize<List<Artifact>>(ArtifactsJson, Json) ?? [];
    /// <summary>Why it failed or was skipped.</summary>
    public string? Reason { get; set; }
    public string ObservableKind { get; set; } = "";
    public long ObservableId { get; set; }
    public long? JobId { get; set; }
    /// <summary>The earlier report this one was answered from (same analyzer and value within the cache TTL).</summary>
    public long? CachedFrom { get; set; }
    [JsonIgnore] public long CreatedAtMs { get; set; }
    [JsonIgnore] public long? FinishedAtMs { get; set; }
    [JsonIgnore] public long? ExpiresAtMs { get; set; }
    public DateTimeOffset CreatedAt => DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs);
    public DateTimeOffset? FinishedAt => FinishedAtMs is { } f ? DateTimeOffset.FromUnixTimeMilliseconds(f) : null;
    /// <summary>When the report stops answering from the cache under the TTL in force when it was made.</summary>
    public DateTimeOffset? ExpiresAt => ExpiresAtMs is { } e ? DateTimeOffset.FromUnixTimeMilliseconds(e) : null;
    [JsonIgnore] public string? PollStateJson { get; set; }
    /// <summary>A long-running analysis's state at the service (e.g. VMRay's submission id, CAPE's task id); null otherwise.</summary>
    public JsonElement? PollState => PollStateJson is null ? null : JsonDocument.Parse(PollStateJson).RootElement.Clone();
    [JsonIgnore] public long? PollSinceMs { get; set; }
    /// <summary>When the service accepted the analysis (the start of the analyzer's maxMinutes).</summary>
    public DateTimeOffset? PollingSince => PollSinceMs is { } p ? DateTimeOffset.FromUnixTimeMilliseconds(p) : null;
    /// <summary>How many times the run was put back to wait for the service: its submission and each check that found it still working.</summary>
    public int Polls { get; set; }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
