using System.Globalization;
using Quell.Observables;

namespace Quell.Enrichment.Analyzers;

/// <summary>
/// AbuseIPDB v2 <c>GET /api/v2/check?ipAddress=…&amp;maxAgeInDays=…</c> with the <c>Key</c> header. The abuse confidence
/// score (0–100) gives the level: 50 or more malicious, above 0 suspicious, an allowlisted address safe, else info.
/// The free plan allows 1,000 checks a day.
/// </summary>
public sealed class AbuseIpDbAnalyzer : IAnalyzer
{
    public const int MaliciousScore = 50;

    public AnalyzerDefinition Definition { get; } = new("abuseipdb", "AbuseIPDB: abuse confidence of IP addresses",
        ["ip"], [new ConfigItem("key", "API key", Secret: true, Required: true), new ConfigItem("maxAgeInDays", "Reports considered, in days (1-365, default 90)")],
        "https://api.abuseipdb.com", Tlp.Amber, Tlp.Amber, AnalyzerCatalogue.Limit("1000/day"), TimeSpan.FromHours(12), TimeSpan.FromSeconds(20));

    public async Task<AnalyzerResult> AnalyzeAsync(AnalyzerRun run, CancellationToken ct)
    {
        var days = run.Optional("maxAgeInDays") ?? "90";
        if (!int.TryParse(days, NumberStyles.None, CultureInfo.InvariantCulture, out var d) || d is < 1 or > 365)
            throw new AnalyzerFailedException("the configuration item maxAgeInDays must be a whole number of days from 1 to 365");
        using var request = new HttpRequestMessage(HttpMethod.Get, run.Url($"api/v2/check?ipAddress={Uri.EscapeDataString(run.Data)}&maxAgeInDays={d}"));
        request.Headers.Add("Key", run.Require("key"));
        request.Headers.Accept.Add(AnalyzerHttp.AcceptJson);
        var answer = await run.Http.SendAsync(request, ct, System.Net.HttpStatusCode.UnprocessableEntity);
        if (answer.Status == System.Net.HttpStatusCode.UnprocessableEntity)
        {
            var detail = AnswerFields.Items(answer.Json, "errors").Select(e => AnswerFields.Text(e, "detail")).FirstOrDefault(t => t is not null);
            throw new AnalyzerFailedException($"AbuseIPDB refused the address: {detail ?? "422"}");
        }
        if (!answer.Json.TryGetProperty("data", out var data) || AnswerFields.Number(data, "abuseConfidenceScore") is not { } score)
            throw new AnalyzerFailedException("the answer has no data.abuseConfidenceScore");
        var reports = AnswerFields.Number(data, "totalReports") ?? 0;
        var level = score >= MaliciousScore ? Levels.Malicious
            : score > 0 ? Levels.Suspicious
            : AnswerFields.Flag(data, "isWhitelisted") ? Levels.Safe
            : Levels.Info;
        var taxonomies = new List<Taxonomy> { new(level, "AbuseIPDB", "Score", $"{score}% ({reports} reports)") };
        if (AnswerFields.Text(data, "usageType") is { } usage)
            taxonomies.Add(new Taxonomy(Levels.Info, "AbuseIPDB", "Usage", usage));
        var artifacts = new List<Artifact>();
        if (AnswerFields.Text(data, "domain") is { Length: > 0 } domain)
            artifacts.Add(new Artifact("domain", domain, "ISP domain"));
        return new AnalyzerResult(taxonomies, answer.Json, artifacts);
    }
}
