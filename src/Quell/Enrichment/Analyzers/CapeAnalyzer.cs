using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Quell.Observables;

namespace Quell.Enrichment.Analyzers;

/// <summary>
/// CAPE sandbox API v2 (header <c>Authorization: Token …</c> when a token is set; answers <c>{"error": false, "data": …}</c>).
/// A URL is submitted (<c>POST /apiv2/tasks/create/url/</c>), a file whose content Quell keeps uploaded (multipart
/// <c>file</c> to <c>POST /apiv2/tasks/create/file/</c>), and the task polled (<c>GET /apiv2/tasks/status/{id}/</c>)
/// until <c>reported</c>; <c>failed_analysis</c>, <c>failed_processing</c>, <c>failed_reporting</c> and <c>banned</c> fail
/// the report. A hash (or a file observable naming one) is searched (<c>/apiv2/tasks/search/{md5|sha1|sha256}/{hash}/</c>):
/// the newest reported task answers, one still running is polled. The report reads <c>malscore</c> (0–10), the
/// signatures and ATT&amp;CK techniques of <c>/tasks/get/report/{id}/</c>, and the hosts, domains, HTTP URLs and dropped
/// files of <c>/tasks/get/iocs/{id}/</c> as artifacts.
/// </summary>
public sealed partial class CapeAnalyzer : IAnalyzer
{
    static readonly Polling DefaultPolling = new(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(30));

    /// <summary>malscore from which a report is malicious, and suspicious (CAPE scores 0–10).</summary>
    public const double MaliciousScore = 6.5, SuspiciousScore = 2.0;

    static readonly string[] Failed = ["failed_analysis", "failed_processing", "failed_reporting", "banned"];

    public AnalyzerDefinition Definition { get; } = new("cape", "CAPE sandbox: detonates URLs and files, looks hashes up; malscore, signatures, ATT&CK techniques and IOCs",
        ["url", "file", "hash"], [new ConfigItem("token", "API token (Authorization: Token <token>); none for an open instance", Secret: true), .. DefaultPolling.Items],
        null, Tlp.Amber, Tlp.Amber, RateLimit.None, TimeSpan.FromDays(1), TimeSpan.FromMinutes(1), Polling: DefaultPolling);

    sealed record State(long Task);

    public async Task<AnalyzerResult> AnalyzeAsync(AnalyzerRun run, CancellationToken ct)
    {
        if (run.State is { } stored)
            return await PollAsync(run, stored.Deserialize<State>(AnalyzerReport.Json)!.Task, ct);
        var subject = SandboxSubject.For("CAPE", run);
        if (subject.IsUrl || subject.File is not null)
        {
            using var request = subject.IsUrl
                ? new HttpRequestMessage(HttpMethod.Post, run.Url("apiv2/tasks/create/url/")) { Content = new FormUrlEncodedContent([new("url", subject.Value)]) }
                : new HttpRequestMessage(HttpMethod.Post, run.Url("apiv2/tasks/create/file/")) { Content = await subject.FormAsync("file", ct) };
            var created = await SendAsync(run, request, ct);
            if (AnswerFields.Items(created, "task_ids").FirstOrDefault() is not { ValueKind: JsonValueKind.Number } id)
                throw new AnalyzerFailedException($"CAPE created no task: {Excerpt(created)}");
            return AnalyzerResult.Later(new State(id.GetInt64()));
        }
        var tasks = await GetAsync(run, $"apiv2/tasks/search/{subject.Kind}/{subject.Value}/", ct);
        var known = (tasks.ValueKind == JsonValueKind.Array ? tasks.EnumerateArray() : Enumerable.Empty<JsonElement>())
            .Select(t => (Id: AnswerFields.Number(t, "id"), Status: AnswerFields.Text(t, "status")))
            .Where(t => t.Id is not null).OrderByDescending(t => t.Id).ToList();
        if (known.FirstOrDefault(t => t.Status == "reported").Id is { } reported)
            return await ReportAsync(run, reported, ct);
        if (known.FirstOrDefault(t => !Failed.Contains(t.Status)).Id is { } running)
            return AnalyzerResult.Later(new State(running));
        return known.Count == 0
            ? new AnalyzerResult([new Taxonomy(Levels.Info, "CAPE", "Sample", "not found")], null, [])
            : throw new AnalyzerFailedException($"CAPE has {known.Count} task(s) for this sample and all failed ({string.Join(", ", known.Select(t => $"{t.Id}: {t.Status}"))})");
    }

    async Task<AnalyzerResult> PollAsync(AnalyzerRun run, long task, CancellationToken ct)
    {
        var status = await GetAsync(run, $"apiv2/tasks/status/{task}/", ct);
        var text = status.ValueKind == JsonValueKind.String ? status.GetString()! : throw new AnalyzerFailedException($"CAPE's status of task {task} is not text: {Excerpt(status)}");
        if (text == "reported")
            return await ReportAsync(run, task, ct);
        if (Failed.Contains(text))
            throw new AnalyzerFailedException($"CAPE task {task} ended as {text}; no verdict");
        return AnalyzerResult.Later(new State(task));
    }

    async Task<AnalyzerResult> ReportAsync(AnalyzerRun run, long task, CancellationToken ct)
    {
        // The report is the analysis's JSON itself, not an envelope; an error is {"error": true, "error_value": …}.
        var report = await GetRawAsync(run, $"apiv2/tasks/get/report/{task}/", ct);
        if (AnswerFields.Flag(report, "error"))
            throw new AnalyzerFailedException($"CAPE has no report for task {task}: {AnswerFields.Text(report, "error_value") ?? "no error_value"}");
        if (!report.TryGetProperty("malscore", out var malscore) || !malscore.TryGetDouble(out var score))
            throw new AnalyzerFailedException($"CAPE's report of task {task} has no malscore");

        // IOCs are an extra: when that API is off the verdict still stands, and the report says why there are no artifacts.
        var rawIocs = await GetRawAsync(run, $"apiv2/tasks/get/iocs/{task}/", ct);
        var iocs = AnswerFields.Flag(rawIocs, "error") ? default : rawIocs.TryGetProperty("data", out var d) ? d : default;

        var level = score >= MaliciousScore ? Levels.Malicious : score >= SuspiciousScore ? Levels.Suspicious : Levels.Safe;
        var taxonomies = new List<Taxonomy> { new(level, "CAPE", "Score", score.ToString("0.#", CultureInfo.InvariantCulture) + "/10") };
        var signatures = AnswerFields.Items(report, "signatures").Select(s => new
        {
            Name = AnswerFields.Text(s, "name"),
            Description = AnswerFields.Text(s, "description"),
            Severity = AnswerFields.Number(s, "severity"),
        }).Where(s => s.Name is not null).ToList();
        if (signatures.Count > 0)
            taxonomies.Add(new Taxonomy(Levels.Info, "CAPE", "Signatures", string.Join(", ", signatures.OrderByDescending(s => s.Severity).Take(5).Select(s => s.Name))));
        var techniques = Techniques(report);
        if (techniques.Count > 0)
            taxonomies.Add(new Taxonomy(Levels.Info, "CAPE", "ATT&CK", string.Join(", ", techniques)));

        var artifacts = new ArtifactSet();
        var message = $"CAPE task {task}";
        if (iocs.ValueKind == JsonValueKind.Object && iocs.TryGetProperty("network", out var network))
        {
            foreach (var host in AnswerFields.Items(network, "hosts"))
                artifacts.Add("ip", AnswerFields.Text(host, "ip"), message);
            foreach (var domain in AnswerFields.Items(network, "domains"))
                artifacts.Add("domain", AnswerFields.Text(domain, "domain"), message);
            if (network.TryGetProperty("traffic", out var traffic))
                foreach (var http in AnswerFields.Items(traffic, "http"))
                    artifacts.Add("url", AnswerFields.Text(http, "uri"), message);
        }
        foreach (var dropped in AnswerFields.Items(iocs, "dropped"))
            artifacts.Add("hash", AnswerFields.Text(dropped, "sha256"), $"dropped file: {message}");

        var full = JsonSerializer.SerializeToElement(new Dictionary<string, object?>
        {
            ["task"] = task,
            ["malscore"] = score,
            ["signatures"] = signatures,
            ["techniques"] = techniques,
            ["info"] = report.TryGetProperty("info", out var info) ? info : null,
            ["iocs"] = iocs.ValueKind == JsonValueKind.Undefined ? null : iocs,
            ["iocsError"] = AnswerFields.Flag(rawIocs, "error") ? AnswerFields.Text(rawIocs, "error_value") : null,
        }, AnalyzerReport.Json);
        return new AnalyzerResult(taxonomies, full, artifacts.Items);
    }

    /// <summary>
    /// ATT&amp;CK ids of the report: CAPE lists them under <c>ttps</c> (items <c>{"signature", "ttps": [ids]}</c>, or ids
    /// in older versions) and in signatures' <c>ttps</c>.
    /// </summary>
    static List<string> Techniques(JsonElement report)
    {
        var ids = new List<string>();
        void Read(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.String && TechniqueId().IsMatch(e.GetString()!))
                ids.Add(e.GetString()!);
            else if (e.ValueKind == JsonValueKind.Object)
                foreach (var inner in AnswerFields.Items(e, "ttps"))
                    Read(inner);
        }
        foreach (var item in AnswerFields.Items(report, "ttps"))
            Read(item);
        foreach (var signature in AnswerFields.Items(report, "signatures"))
            Read(signature);
        return ids.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    [GeneratedRegex(@"^T\d{4}(\.\d{3})?$")]
    private static partial Regex TechniqueId();

    static async Task<JsonElement> GetAsync(AnalyzerRun run, string path, CancellationToken ct) => Data(await GetRawAsync(run, path, ct));

    static async Task<JsonElement> GetRawAsync(AnalyzerRun run, string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, run.Url(path));
        return (await Authorized(run, request).Http.SendAsync(request, ct)).Json;
    }

    static async Task<JsonElement> SendAsync(AnalyzerRun run, HttpRequestMessage request, CancellationToken ct) =>
        Data((await Authorized(run, request).Http.SendAsync(request, ct)).Json);

    static AnalyzerRun Authorized(AnalyzerRun run, HttpRequestMessage request)
    {
        if (run.Optional("token") is { } token)
            request.Headers.TryAddWithoutValidation("Authorization", "Token " + token);
        request.Headers.Accept.Add(AnalyzerHttp.AcceptJson);
        return run;
    }

    /// <summary>The <c>data</c> of CAPE's envelope; <c>{"error": true, "error_value": …}</c> (CAPE answers errors with 200) fails with CAPE's message.</summary>
    static JsonElement Data(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object || AnswerFields.Flag(json, "error") || !json.TryGetProperty("data", out var data))
            throw new AnalyzerFailedException($"CAPE answered an error: {AnswerFields.Text(json, "error_value") ?? Excerpt(json)}");
        return data;
    }

    static string Excerpt(JsonElement e)
    {
        var text = e.ValueKind == JsonValueKind.Undefined ? "(nothing)" : e.GetRawText();
        return text.Length <= 200 ? text : text[..200] + "…";
    }
}
