using System.Net;
using System.Text.Json;
using Quell.Observables;

namespace Quell.Enrichment.Analyzers;

/// <summary>
/// VMRay REST API (header <c>Authorization: api_key …</c>, answers <c>{"result": "ok", "data": …}</c>). A URL or a
/// file whose content Quell keeps is submitted (<c>POST /rest/sample/submit</c>, multipart <c>sample_url</c> or
/// <c>sample_file</c>) and its submission polled
/// (<c>GET /rest/submission/{id}</c>) until <c>submission_finished</c>; a hash (or a file observable that names one) is
/// looked up (<c>GET /rest/sample/{md5|sha1|sha256}/{hash}</c>). The report reads the sample's <c>sample_verdict</c>
/// (malicious, suspicious, clean → safe), its IOCs (<c>/iocs</c>: addresses, domains, URLs, file hashes, senders become
/// artifacts) and its ATT&amp;CK techniques (<c>/mitre_attack</c>).
/// </summary>
public sealed class VmrayAnalyzer : IAnalyzer
{
    static readonly Polling DefaultPolling = new(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(30));

    public AnalyzerDefinition Definition { get; } = new("vmray", "VMRay sandbox: detonates URLs and files, looks hashes up; verdict, IOCs and ATT&CK techniques",
        ["url", "file", "hash"], [new ConfigItem("key", "API key (Authorization: api_key <key>)", Secret: true, Required: true), .. DefaultPolling.Items],
        null, Tlp.Amber, Tlp.Amber, RateLimit.None, TimeSpan.FromDays(1), TimeSpan.FromMinutes(1), Polling: DefaultPolling);

    /// <summary>What is kept between status checks: VMRay's submission and the sample it analyzes.</summary>
    sealed record State(long Submission, long Sample);

    public async Task<AnalyzerResult> AnalyzeAsync(AnalyzerRun run, CancellationToken ct)
    {
        if (run.State is { } stored)
            return await PollAsync(run, stored.Deserialize<State>(AnalyzerReport.Json)!, ct);
        var subject = SandboxSubject.For("VMRay", run);
        if (subject.IsUrl)
            return await SubmitAsync(run, new MultipartFormDataContent { { new StringContent(subject.Value), "sample_url" } }, ct);
        if (subject.File is not null)
            return await SubmitAsync(run, await subject.FormAsync("sample_file", ct), ct);
        var (status, found) = await GetAsync(run, $"rest/sample/{subject.Kind}/{subject.Value}", ct, HttpStatusCode.NotFound);
        var sample = status == HttpStatusCode.NotFound ? default : found.ValueKind == JsonValueKind.Array ? found.EnumerateArray().FirstOrDefault() : found;
        if (AnswerFields.Number(sample, "sample_id") is not { } sampleId)
            return new AnalyzerResult([new Taxonomy(Levels.Info, "VMRay", "Sample", "not found")], null, []);
        return await ReportAsync(run, sampleId, null, ct);
    }

    async Task<AnalyzerResult> SubmitAsync(AnalyzerRun run, MultipartFormDataContent form, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, run.Url("rest/sample/submit")) { Content = form };
        var data = await SendAsync(run, request, ct);
        var submission = AnswerFields.Items(data, "submissions").FirstOrDefault();
        if (AnswerFields.Number(submission, "submission_id") is not { } id || AnswerFields.Number(submission, "submission_sample_id") is not { } sampleId)
        {
            var errors = AnswerFields.Items(data, "errors").Select(e => AnswerFields.Text(e, "error_msg")).OfType<string>().ToList();
            throw new AnalyzerFailedException($"VMRay accepted no submission{(errors.Count > 0 ? ": " + string.Join("; ", errors) : "")}");
        }
        return AnalyzerResult.Later(new State(id, sampleId));
    }

    async Task<AnalyzerResult> PollAsync(AnalyzerRun run, State state, CancellationToken ct)
    {
        var (_, submission) = await GetAsync(run, $"rest/submission/{state.Submission}", ct);
        if (!AnswerFields.Flag(submission, "submission_finished"))
            return AnalyzerResult.Later(state);
        if (AnswerFields.Flag(submission, "submission_has_errors"))
            throw new AnalyzerFailedException($"VMRay finished submission {state.Submission} with errors (submission_has_errors); no verdict" +
                (AnswerFields.Text(submission, "submission_webif_url") is { } link ? $"; see {link}" : ""));
        return await ReportAsync(run, state.Sample, submission, ct);
    }

    async Task<AnalyzerResult> ReportAsync(AnalyzerRun run, long sampleId, JsonElement? submission, CancellationToken ct)
    {
        var (_, sample) = await GetAsync(run, $"rest/sample/{sampleId}", ct);
        var (_, iocs) = await GetAsync(run, $"rest/sample/{sampleId}/iocs", ct);
        var (_, mitre) = await GetAsync(run, $"rest/sample/{sampleId}/mitre_attack", ct);
        var verdict = AnswerFields.Text(sample, "sample_verdict") ?? AnswerFields.Text(sample, "sample_severity") ?? "unknown";
        var level = verdict switch
        {
            "malicious" or "blacklisted" => Levels.Malicious,
            "suspicious" => Levels.Suspicious,
            "clean" or "not_suspicious" or "whitelisted" => Levels.Safe,
            _ => Levels.Info,
        };
        var taxonomies = new List<Taxonomy> { new(level, "VMRay", "Verdict", verdict) };
        if (AnswerFields.Text(sample, "sample_vti_score") is { } score)
            taxonomies.Add(new Taxonomy(Levels.Info, "VMRay", "Score", score));
        var techniques = AnswerFields.Items(mitre, "mitre_attack_techniques").Select(t => AnswerFields.Text(t, "technique_id")).OfType<string>()
            .Distinct(StringComparer.Ordinal).ToList();
        if (techniques.Count > 0)
            taxonomies.Add(new Taxonomy(Levels.Info, "VMRay", "ATT&CK", string.Join(", ", techniques)));

        var link = AnswerFields.Text(sample, "sample_webif_url") ?? $"VMRay sample {sampleId}";
        var artifacts = new ArtifactSet();
        var found = iocs.ValueKind == JsonValueKind.Object && iocs.TryGetProperty("iocs", out var inner) ? inner : iocs;
        foreach (var (list, field, type) in new[] { ("ips", "ip_address", "ip"), ("domains", "domain", "domain"), ("urls", "url", "url"), ("emails", "sender", "mail"), ("email_addresses", "email", "mail") })
            foreach (var ioc in AnswerFields.Items(found, list))
                artifacts.Add(type, AnswerFields.Text(ioc, field), $"{AnswerFields.Text(ioc, "severity") ?? "ioc"}: {link}");
        foreach (var file in AnswerFields.Items(found, "files"))
            foreach (var hash in AnswerFields.Items(file, "hashes"))
                artifacts.Add("hash", AnswerFields.Text(hash, "sha256_hash"), $"{AnswerFields.Text(file, "filename") ?? "file"} ({AnswerFields.Text(file, "severity") ?? "ioc"}): {link}");

        var full = JsonSerializer.SerializeToElement(new Dictionary<string, object?>
        {
            ["submission"] = submission,
            ["sample"] = sample,
            ["iocs"] = found,
            ["mitre_attack"] = mitre,
            ["techniques"] = techniques,
        }, AnalyzerReport.Json);
        return new AnalyzerResult(taxonomies, full, artifacts.Items);
    }

    static async Task<(HttpStatusCode Status, JsonElement Data)> GetAsync(AnalyzerRun run, string path, CancellationToken ct, params HttpStatusCode[] accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, run.Url(path));
        var answer = await Authorized(run, request).Http.SendAsync(request, ct, accept);
        return answer.Status == HttpStatusCode.OK ? (answer.Status, Data(answer.Json)) : (answer.Status, default);
    }

    static async Task<JsonElement> SendAsync(AnalyzerRun run, HttpRequestMessage request, CancellationToken ct) =>
        Data((await Authorized(run, request).Http.SendAsync(request, ct)).Json);

    static AnalyzerRun Authorized(AnalyzerRun run, HttpRequestMessage request)
    {
        request.Headers.TryAddWithoutValidation("Authorization", "api_key " + run.Require("key"));
        request.Headers.Accept.Add(AnalyzerHttp.AcceptJson);
        return run;
    }

    /// <summary>The <c>data</c> of VMRay's envelope; <c>{"result": "error", "error_msg": …}</c> fails with VMRay's message.</summary>
    static JsonElement Data(JsonElement json)
    {
        if (AnswerFields.Text(json, "result") != "ok")
            throw new AnalyzerFailedException($"VMRay answered an error: {AnswerFields.Text(json, "error_msg") ?? "no error_msg (result is not \"ok\")"}");
        return json.TryGetProperty("data", out var data) ? data : default;
    }
}
