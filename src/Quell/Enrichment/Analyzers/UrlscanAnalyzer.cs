using System.Net;
using System.Text.Json;
using Quell.Observables;

namespace Quell.Enrichment.Analyzers;

/// <summary>
/// urlscan.io search: <c>GET {base}/api/v1/search/?q=…&amp;size=…</c> (header <c>API-Key</c> when set) finds earlier
/// scans of a URL (<c>page.url</c>), a domain (<c>page.domain</c>), an address (<c>page.ip</c>) or a resource hash
/// (<c>hash</c>). A scan urlscan judged malicious (<c>verdicts.malicious</c> or <c>verdicts.overall.malicious</c>)
/// makes the value malicious; otherwise the scans found are info. The landing pages' addresses and domains of a URL's
/// scans are artifacts. Searching tells nobody that the value was looked at, unlike submitting a scan.
/// </summary>
public sealed class UrlscanAnalyzer : IAnalyzer
{
    public const int Size = 20;

    public AnalyzerDefinition Definition { get; } = new("urlscan", "urlscan.io search of earlier scans", ["url", "domain", "fqdn", "hostname", "ip", "hash"],
        [new ConfigItem("key", "API key (optional for search; raises the quota)", Secret: true)],
        "https://urlscan.io", Tlp.Green, Tlp.Green, AnalyzerCatalogue.Limit("60/min, 1000/day"), TimeSpan.FromDays(1), TimeSpan.FromSeconds(30));

    public async Task<AnalyzerResult> AnalyzeAsync(AnalyzerRun run, CancellationToken ct)
    {
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
            return new AnalyzerResult([new Taxonomy(Levels.Info, "urlscan", "Search", "no scans")], json, []);
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

    static bool Malicious(JsonElement scan) =>
        scan.TryGetProperty("verdicts", out var v) && v.ValueKind == JsonValueKind.Object &&
        (AnswerFields.Flag(v, "malicious") || (v.TryGetProperty("overall", out var overall) && AnswerFields.Flag(overall, "malicious")));

    /// <summary>A value inside a quoted Elasticsearch query string: quotes and backslashes escaped.</summary>
    static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
