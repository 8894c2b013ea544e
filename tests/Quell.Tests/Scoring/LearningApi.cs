using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Quell.Tests.Enrichment;
using Quell.Tests.Support;

namespace Quell.Tests.Scoring;

/// <summary>Shortcuts for scoring tests: a tenant whose VirusTotal (a local replay) calls every URL malicious, analyzed alerts, scores, verdicts.</summary>
public static class LearningApi
{
    public const string Url = "http://newsletter.partner.example/track?id=1";

    static Task VtMalicious(ReplayServer.Request _, HttpResponse r)
    {
        r.ContentType = "application/json";
        return r.WriteAsync("""
            {"data": {"type": "url", "id": "x", "attributes": {"url": "u", "last_analysis_stats": {"harmless": 60, "malicious": 5, "suspicious": 0, "undetected": 10, "timeout": 0}}}}
            """);
    }

    /// <summary>A new organisation with VirusTotal enabled against the replay (nothing another test decided counts there).</summary>
    public static async Task<(HttpClient Client, ReplayServer Vt)> TenantAsync(TestServer server)
    {
        var vt = await ReplayServer.StartAsync(VtMalicious);
        var client = server.Client(await server.CreateOtherOrganisationKeyAsync());
        await client.ConfigureAsync("virustotal", new { enabled = true, baseUrl = vt.BaseUrl, config = new { key = "vt-key-0123456789" } }).ExpectAsync(HttpStatusCode.OK);
        return (client, vt);
    }

    /// <summary>An alert of the given source with the URL, analyzed (VirusTotal answers, or its cached report does).</summary>
    public static async Task<long> AnalyzedAlertAsync(HttpClient client, string source, params (string, string)[] more)
    {
        var id = await client.CreateAlertAsync(TestAlerts.Alert(source, observables: [("url", Url), .. more]));
        var view = await client.GetAsync($"/api/v1/alerts/{id}").ExpectAsync(HttpStatusCode.OK);
        foreach (var o in view.GetProperty("observables").EnumerateArray())
            await client.PostAsync($"/api/v1/observables/{o.GetProperty("id").GetInt64()}/analyze?wait=true&of=alert", null).ExpectAsync(HttpStatusCode.OK);
        return id;
    }

    public static Task<JsonElement> ScoreAsync(HttpClient client, long alertId) => client.GetAsync($"/api/v1/alerts/{alertId}/score").ExpectAsync(HttpStatusCode.OK);

    public static Task<HttpResponseMessage> ResolveAsync(HttpClient client, long alertId, object body) => client.PostAsJsonAsync($"/api/v1/alerts/{alertId}/resolve", body);

    public static IEnumerable<JsonElement> Contributions(JsonElement score) => score.GetProperty("contributions").EnumerateArray();

    /// <summary>The notes of the score's history contributions ("seen in 2 earlier …").</summary>
    public static List<string?> HistoryNotes(JsonElement score) =>
        Contributions(score).Where(c => c.GetProperty("source").GetString() == "history").Select(c => c.GetProperty("note").GetString()).ToList();

    /// <summary>VirusTotal's (agree, disagree) in the organisation, from a resolve answer.</summary>
    public static (long Agree, long Disagree) Vt(JsonElement resolved) =>
        resolved.GetProperty("reliability").TryGetProperty("virustotal", out var vt)
            ? (vt.GetProperty("agree").GetInt64(), vt.GetProperty("disagree").GetInt64())
            : (0, 0);
}
