using System.Text.Json;

namespace Quell.Enrichment;

/// <summary>
/// An enrichment source. <see cref="AnalyzeAsync"/> asks the service about one value and reads its answer: it throws
/// <see cref="AnalyzerTransientException"/> for what is worth retrying (429, 5xx, no answer) and
/// <see cref="AnalyzerFailedException"/> for what is not (refused key, unreadable answer). Register with
/// <c>services.AddAnalyzer&lt;T&gt;()</c>; the job around it handles rate limits, caching, TLP/PAP, retries and storage.
/// A long-running analyzer (a sandbox) returns <see cref="AnalyzerResult.Later"/> with a state while the service works;
/// the job stores the state with the report and calls again with it in <see cref="AnalyzerRun.State"/> after the
/// definition's <see cref="AnalyzerDefinition.Polling"/> interval.
/// </summary>
public interface IAnalyzer
{
    AnalyzerDefinition Definition { get; }

    Task<AnalyzerResult> AnalyzeAsync(AnalyzerRun run, CancellationToken ct);

    /// <summary>Whether running out of time is worth another attempt: a slow service may answer next time, a local program that hung will hang again.</summary>
    bool RetryOnTimeout => true;
}

/// <summary>
/// One value to analyze, with the organisation's settings of the analyzer (secrets decrypted) and two HTTP clients:
/// <see cref="Http"/> for the service at the base URL an admin set, <see cref="Fetch"/> for URLs that come from data or
/// from a service's answer (an observable's URL, a redirect to another host), whose connections pass the <see cref="SsrfGuard"/>.
/// </summary>
public sealed record AnalyzerRun(long OrgId, string DataType, string Data, string BaseUrl, IReadOnlyDictionary<string, string> Config, AnalyzerHttp Http, AnalyzerHttp Fetch)
{
    /// <summary>
    /// What a long-running analyzer returned last time with <see cref="AnalyzerResult.Later"/> (a submission or task id),
    /// as stored with the report; null on the first step.
    /// </summary>
    public JsonElement? State { get; init; }

    /// <summary>The observable's TLP and PAP (its alert's or case's), already within the analyzer's limits.</summary>
    public Observables.Tlp Tlp { get; init; } = Observables.Tlp.Amber;
    public Observables.Tlp Pap { get; init; } = Observables.Tlp.Amber;

    /// <summary>Where the observable is, e.g. "alert 12" (Cortex's job message).</summary>
    public string Message { get; init; } = "";

    /// <summary>The content of a <c>file</c> observable when Quell keeps it; null for other types and for files known only by name or hash.</summary>
    public FileSample? File { get; init; }

    /// <summary>The settings in force (limits, timeout) when the analyzer needs them itself.</summary>
    public EffectiveSettings? Settings { get; init; }

    /// <summary>A configuration item, or a failure naming it when it is not set (it is required by the definition).</summary>
    public string Require(string item) =>
        Config.TryGetValue(item, out var v) && v.Length > 0
            ? v
            : throw new AnalyzerFailedException($"the configuration item '{item}' is not set; set it with PUT /api/v1/analyzers/{{name}}");

    public string? Optional(string item) => Config.TryGetValue(item, out var v) && v.Length > 0 ? v : null;

    /// <summary>The base URL joined with a path and query (the base may carry a path prefix of its own, as mirrors do).</summary>
    public Uri Url(string pathAndQuery) =>
        BaseUrl.Length == 0
            ? throw new AnalyzerFailedException("no base URL is set (the service has no public default); set baseUrl with PUT /api/v1/analyzers/{name}")
            : new(BaseUrl.TrimEnd('/') + "/" + pathAndQuery.TrimStart('/'));
}

/// <summary>A failure worth retrying (rate limited, server error, no answer); <see cref="RetryAfter"/> when the service said when.</summary>
public sealed class AnalyzerTransientException(string message, TimeSpan? retryAfter = null, Exception? inner = null) : Exception(message, inner)
{
    public TimeSpan? RetryAfter => retryAfter;
}

/// <summary>A failure that asking again will not fix; its message becomes the report's reason.</summary>
public sealed class AnalyzerFailedException(string message, Exception? inner = null) : Exception(message, inner);
