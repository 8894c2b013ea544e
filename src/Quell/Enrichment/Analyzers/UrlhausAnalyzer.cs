using Quell.Observables;

namespace Quell.Enrichment.Analyzers;

/// <summary>
/// URLhaus (abuse.ch) lookups: <c>POST /v1/url/</c>, <c>/v1/host/</c> and <c>/v1/payload/</c> (MD5 or SHA-256) with the
/// <c>Auth-Key</c> header. A listed URL is malicious while online and suspicious once offline; a host with URLs online
/// is malicious, else suspicious; a known payload is malicious; <c>no_results</c> is info. Artifacts: the payloads of a
/// URL, the URLs of a host or payload.
/// </summary>
public sealed class UrlhausAnalyzer : IAnalyzer
{
    public AnalyzerDefinition Definition { get; } = new("urlhaus", "URLhaus (abuse.ch): malware URLs, hosts and payloads",
        ["url", "domain", "fqdn", "hostname", "ip", "hash"], [new ConfigItem("key", "Auth-Key from abuse.ch", Secret: true, Required: true)],
        "https://urlhaus-api.abuse.ch", Tlp.Amber, Tlp.Amber, RateLimit.None, TimeSpan.FromHours(6), TimeSpan.FromSeconds(30));

    public async Task<AnalyzerResult> AnalyzeAsync(AnalyzerRun run, CancellationToken ct)
    {
        var (path, field) = run.DataType switch
        {
            "url" => ("v1/url/", "url"),
            "hash" when run.Data.Length == 32 => ("v1/payload/", "md5_hash"),
            "hash" when run.Data.Length == 64 => ("v1/payload/", "sha256_hash"),
            "hash" => throw new AnalyzerFailedException("URLhaus looks payloads up by MD5 or SHA-256 only"),
            _ => ("v1/host/", "host"),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, run.Url(path))
        {
            Content = new FormUrlEncodedContent([new(field, run.Data)]),
        };
        request.Headers.Add("Auth-Key", run.Require("key"));
        var answer = await run.Http.SendAsync(request, ct);
        var json = answer.Json;
        var status = AnswerFields.Text(json, "query_status");
        if (status == "no_results")
            return new AnalyzerResult([new Taxonomy(Levels.Info, "URLhaus", Predicate(path), "not listed")], json, []);
        if (status != "ok")
            throw new AnalyzerFailedException($"URLhaus answered query_status '{AnswerFields.Printable(status ?? "(none)", 64)}'");

        var artifacts = new List<Artifact>();
        string level, value;
        if (path == "v1/url/")
        {
            var online = AnswerFields.Text(json, "url_status") == "online";
            level = online ? Levels.Malicious : Levels.Suspicious;
            value = $"{AnswerFields.Text(json, "threat") ?? "listed"} ({AnswerFields.Text(json, "url_status") ?? "unknown"})";
            foreach (var p in AnswerFields.Items(json, "payloads"))
                if (AnswerFields.Text(p, "response_sha256") is { Length: 64 } sha)
                    artifacts.Add(new Artifact("hash", sha, AnswerFields.Text(p, "filename")));
        }
        else
        {
            var urls = AnswerFields.Items(json, "urls").ToList();
            var online = urls.Count(u => AnswerFields.Text(u, "url_status") == "online");
            level = path == "v1/payload/" || online > 0 ? Levels.Malicious : Levels.Suspicious;
            value = path == "v1/payload/"
                ? $"{AnswerFields.Text(json, "signature") ?? AnswerFields.Text(json, "file_type") ?? "payload"}, {urls.Count} URLs"
                : $"{AnswerFields.Number(json, "url_count") ?? urls.Count} URLs, {online} online";
            foreach (var u in urls.Take(100))
                if (AnswerFields.Text(u, "url") is { Length: > 0 } url)
                    artifacts.Add(new Artifact("url", url, AnswerFields.Text(u, "threat")));
        }
        return new AnalyzerResult([new Taxonomy(level, "URLhaus", Predicate(path), value)], json, artifacts);
    }

    static string Predicate(string path) => path switch { "v1/url/" => "URL", "v1/payload/" => "Payload", _ => "Host" };
}
