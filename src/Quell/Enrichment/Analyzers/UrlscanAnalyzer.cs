using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Quell.Observables;

namespace Quell.Enrichment.Analyzers;

/// <summary>
/// urlscan.io: <c>GET {base}/api/v1/search/?q=…&amp;size=…</c> (header <c>API-Key</c> when set) finds earlier scans of a
/// URL (<c>page.url</c>), a domain (<c>page.domain</c>), an address (<c>page.ip</c>) or a resource hash (<c>hash</c>).
/// A scan urlscan judged malicious (<c>verdicts.malicious</c> or <c>verdicts.overall.malicious</c>) makes the value
/// malicious; otherwise the scans found are info. With <c>submit: unknown</c> a URL no scan knows is submitted
/// (<c>POST /api/v1/scan/</c>, visibility from <c>visibility</c>, default unlisted) and its result polled
/// (<c>GET /api/v1/result/{uuid}/</c>, 404 until it is ready). Searching tells nobody the value was looked at;
/// submitting makes urlscan visit it, hence off by default. The scanned pages' addresses and domains are artifacts.
/// </summary>
public sealed class UrlscanAnalyzer : IAnalyzer
{
    public const int Size = 20;

    static readonly Polling DefaultPolling = new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));
    static readonly string[] Visibilities = ["public", "unlisted", "private"];

    public AnalyzerDefinition Definition { get; } = new("urlscan", "urlscan.io search of earlier scans; optionally submits unknown URLs", ["url", "domain", "fqdn", "hostname", "ip", "hash"],
        [
            new ConfigItem("key", "API key (optional for search, required to submit)", Secret: true),
            new ConfigItem("submit", "never (default) or unknown: submit a URL no earlier scan knows, and wait for its result"),
            new ConfigItem("visibility", "Visibility of submitted scans: public, unlisted (default) or private"),
            .. DefaultPolling.Items,
        ],
        "https://urlscan.io", Tlp.Green, Tlp.Green, AnalyzerCatalogue.Limit("60/min, 1000/day"), TimeSpan.FromDays(1), TimeSpan.FromSeconds(30), Polling: DefaultPolling);

    sealed record Submission(string Uuid);

    public async Task<AnalyzerResult> AnalyzeAsync(AnalyzerRun run, CancellationToken ct)
    {
        if (run.State is { } state)
            return await ResultAsync(run, state.Deserialize<Submission>(AnalyzerReport.Json)!.Uuid, ct);
        var query = run.DataType switch
        {
            "url" => $"page.url:\"{Escape(run.Data)}\"",
            "ip" => $"page.ip:\"{Escape(run.Data)}\"",
            "hash" when run.Data.Length == 64 => $"hash:{run.Data}",
            "hash" => throw new AnalyzerFailedException("urlscan.io finds resources by SHA-256 only"),
            _ => $"page.domain:\"{Escape(run.Data)}\"",
        };
        using var request = new HttpRequestMessage(HttpMethod.Get, run.Url($"api/v1/search/?q={Uri.EscapeDataString(query)}&size={Size}"));
        request.Headers.Accept.Add(AnalyzerHttp.AcceptJson);
        if (run.Optional("key") is { } key)
            request.Headers.Add("API-Key", key);
        // urlscan answers a query it cannot parse with 400 and a JSON message: a failure naming it, not a retry.
        var answer = await run.Http.SendAsync(request, ct, HttpStatusCode.BadRequest);
        var json = answer.Json;
        if (answer.Status == HttpStatusCode.BadRequest)
            throw new AnalyzerFailedException($"urlscan.io refused the search: {AnswerFields.Printable(AnswerFields.Text(json, "message") ?? AnswerFields.Text(json, "description") ?? "(no message)")}");
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array)
            throw new AnalyzerFailedException("urlscan.io's answer has no results array");

        var scans = results.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Object).ToList();
        var total = AnswerFields.Number(json, "total") ?? scans.Count;
        if (scans.Count == 0)
            return run.DataType == "url" && Submits(run)
                ? await SubmitAsync(run, ct)
                : new AnalyzerResult([new Taxonomy(Levels.Info, "urlscan", "Search", "no scans")], json, []);
        var malicious = scans.Count(Malicious);
        var latest = scans.Select(s => s.TryGetProperty("task", out var t) ? AnswerFields.Text(t, "time") : null).OfType<string>().Max(StringComparer.Ordinal);
        var taxonomies = new List<Taxonomy>
        {
            new(malicious > 0 ? Levels.Malicious : Levels.Info, "urlscan", "Search", $"{total} scans, {malicious} malicious" + (latest is null ? "" : $", latest {latest[..Math.Min(10, latest.Length)]}")),
        };
        var artifacts = new List<Artifact>();
        if (run.DataType == "url")
            foreach (var s in scans)
                if (s.TryGetProperty("page", out var page))
                {
                    if (AnswerFields.Text(page, "ip") is { } ip && IPAddress.TryParse(ip, out _))
                        artifacts.Add(new Artifact("ip", ip, "address the scanned page was served from"));
                    if (AnswerFields.Text(page, "domain") is { Length: > 0 } domain)
                        artifacts.Add(new Artifact("domain", domain, "domain of the scanned page"));
                }
        return new AnalyzerResult(taxonomies, json, artifacts.DistinctBy(a => (a.DataType, a.Data)).ToList());
    }

    static bool Submits(AnalyzerRun run) => run.Optional("submit")?.ToLowerInvariant() switch
    {
        null or "never" => false,
        "unknown" => true,
        var other => throw new AnalyzerFailedException($"the configuration item submit is '{AnswerFields.Printable(other, 32)}'; use never or unknown"),
    };

    async Task<AnalyzerResult> SubmitAsync(AnalyzerRun run, CancellationToken ct)
    {
        var visibility = run.Optional("visibility")?.ToLowerInvariant() ?? "unlisted";
        if (!Visibilities.Contains(visibility))
            throw new AnalyzerFailedException($"the configuration item visibility is '{AnswerFields.Printable(visibility, 32)}'; use public, unlisted or private");
        using var request = new HttpRequestMessage(HttpMethod.Post, run.Url("api/v1/scan/"))
        {
            Content = JsonContent.Create(new { url = run.Data, visibility }),
        };
        request.Headers.Add("API-Key", run.Require("key"));
        // urlscan refuses some URLs with 400 (a blocked domain, an unresolvable host): a result saying so, not a retry.
        var answer = await run.Http.SendAsync(request, ct, HttpStatusCode.BadRequest);
        if (answer.Status == HttpStatusCode.BadRequest)
            return new AnalyzerResult([new Taxonomy(Levels.Info, "urlscan", "Scan",
                "refused: " + AnswerFields.Printable(AnswerFields.Text(answer.Json, "description") ?? AnswerFields.Text(answer.Json, "message") ?? "(no message)"))], answer.Json, []);
        return AnswerFields.Text(answer.Json, "uuid") is { Length: > 0 } uuid && Guid.TryParse(uuid, out _)
            ? AnalyzerResult.Later(new Submission(uuid))
            : throw new AnalyzerFailedException("urlscan.io accepted the scan but named no uuid");
    }

    /// <summary>A submitted scan's result: 404 while urlscan is still scanning, then the result with its verdicts.</summary>
    static async Task<AnalyzerResult> ResultAsync(AnalyzerRun run, string uuid, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, run.Url($"api/v1/result/{uuid}/"));
        request.Headers.Accept.Add(AnalyzerHttp.AcceptJson);
        var answer = await run.Http.SendAsync(request, ct, HttpStatusCode.NotFound);
        if (answer.Status == HttpStatusCode.NotFound)
            return AnalyzerResult.Later(new Submission(uuid));
        var json = answer.Json;
        var overall = json.TryGetProperty("verdicts", out var v) && v.TryGetProperty("overall", out var o) ? o : default;
        var malicious = overall.ValueKind == JsonValueKind.Object && AnswerFields.Flag(overall, "malicious");
        var score = overall.ValueKind == JsonValueKind.Object ? AnswerFields.Number(overall, "score") : null;
        var taxonomies = new List<Taxonomy>
        {
            new(malicious ? Levels.Malicious : score > 0 ? Levels.Suspicious : Levels.Info, "urlscan", "Scan", $"score {score ?? 0}" + (malicious ? ", malicious" : "")),
        };
        var brands = AnswerFields.Items(overall, "brands").Select(b => b.ValueKind == JsonValueKind.String ? b.GetString() : AnswerFields.Text(b, "name")).OfType<string>().ToList();
        if (brands.Count > 0)
            taxonomies.Add(new Taxonomy(malicious ? Levels.Malicious : Levels.Info, "urlscan", "Brands", AnswerFields.Printable(string.Join(", ", brands))));
        var artifacts = new List<Artifact>();
        if (json.TryGetProperty("page", out var page))
        {
            if (AnswerFields.Text(page, "ip") is { } ip && IPAddress.TryParse(ip, out _))
                artifacts.Add(new Artifact("ip", ip, "address the scanned page was served from"));
            if (AnswerFields.Text(page, "domain") is { Length: > 0 } domain)
                artifacts.Add(new Artifact("domain", domain, "domain of the scanned page"));
            if (AnswerFields.Text(page, "url") is { Length: > 0 } landed && landed != run.Data)
                artifacts.Add(new Artifact("url", landed, "where the scanned URL landed"));
        }
        return new AnalyzerResult(taxonomies, json, artifacts);
    }

    static bool Malicious(JsonElement scan) =>
        scan.TryGetProperty("verdicts", out var v) && v.ValueKind == JsonValueKind.Object &&
        (AnswerFields.Flag(v, "malicious") || (v.TryGetProperty("overall", out var overall) && AnswerFields.Flag(overall, "malicious")));

    /// <summary>A value inside a quoted Elasticsearch query string: quotes and backslashes escaped.</summary>
    static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
