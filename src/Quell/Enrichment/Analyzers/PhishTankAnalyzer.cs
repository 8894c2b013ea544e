using Quell.Observables;

namespace Quell.Enrichment.Analyzers;

/// <summary>
/// PhishTank <c>POST /checkurl/</c> (form: url, format=json, app_key). A URL in the database that is a verified, valid
/// phish is malicious; one still unverified suspicious; one verified as not a phish safe; an unknown URL info.
/// PhishTank asks for a User-Agent naming the user (<c>phishtank/username</c>) and answers 509 over its limit.
/// </summary>
public sealed class PhishTankAnalyzer : IAnalyzer
{
    public AnalyzerDefinition Definition { get; } = new("phishtank", "PhishTank: is this URL a known phish",
        ["url"], [new ConfigItem("key", "Application key (app_key)", Secret: true), new ConfigItem("username", "PhishTank user name, sent in the User-Agent")],
        "https://checkurl.phishtank.com", Tlp.Amber, Tlp.Amber, AnalyzerCatalogue.Limit("2000/hour"), TimeSpan.FromHours(6), TimeSpan.FromSeconds(20));

    public async Task<AnalyzerResult> AnalyzeAsync(AnalyzerRun run, CancellationToken ct)
    {
        var form = new List<KeyValuePair<string, string>> { new("url", run.Data), new("format", "json") };
        if (run.Optional("key") is { } key)
            form.Add(new("app_key", key));
        using var request = new HttpRequestMessage(HttpMethod.Post, run.Url("checkurl/")) { Content = new FormUrlEncodedContent(form) };
        request.Headers.UserAgent.Clear();
        request.Headers.UserAgent.ParseAdd($"phishtank/{run.Optional("username") ?? "quell"}");
        request.Headers.Accept.Add(AnalyzerHttp.AcceptJson);
        var answer = await run.Http.SendAsync(request, ct);
        if (AnswerFields.Text(answer.Json, "errortext") is { } error)
            throw new AnalyzerFailedException($"PhishTank answered an error: {(error.Length <= 200 ? error : error[..200] + "…")}");
        if (!answer.Json.TryGetProperty("results", out var results))
            throw new AnalyzerFailedException("the answer has no results");
        var taxonomy = !AnswerFields.Flag(results, "in_database")
            ? new Taxonomy(Levels.Info, "PhishTank", "In_Database", "false")
            : !AnswerFields.Flag(results, "verified")
                ? new Taxonomy(Levels.Suspicious, "PhishTank", "Verified", "false")
                : AnswerFields.Flag(results, "valid")
                    ? new Taxonomy(Levels.Malicious, "PhishTank", "Phish", $"verified ({AnswerFields.Text(results, "phish_id") ?? "?"})")
                    : new Taxonomy(Levels.Safe, "PhishTank", "Phish", "verified not a phish");
        return new AnalyzerResult([taxonomy], answer.Json, []);
    }
}
