using System.Net;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Enrichment;

/// <summary>The misp analyzer against a local server replaying MISP's restSearch answers (attributes with their events) and errors.</summary>
public sealed class MispAnalyzerTests(EnrichmentSqliteServer server) : IClassFixture<EnrichmentSqliteServer>
{
    // The shape of MISP's /attributes/restSearch answer with includeContext and includeEventTags (MISP 2.4), shortened.
    static string Attribute(string value, bool toIds, string eventId, string info, string? warninglist = null) => Object(value, toIds, eventId, info,
        warninglist is null ? "" : $$""", "warnings": [{"value": "{{value}}", "warninglist_id": "27", "warninglist_name": "{{warninglist}}", "warninglist_category": "false_positive"}]""");

    static string Object(string value, bool toIds, string eventId, string info, string warnings) => $$$"""
        {"id": "{{{eventId}}}1", "event_id": "{{{eventId}}}", "object_id": "0", "object_relation": null, "category": "Network activity", "type": "domain",
         "to_ids": {{{(toIds ? "true" : "false")}}}, "uuid": "5c6f1c2e-6a1c-4a4e-9c7d-{{{eventId.PadLeft(12, '0')}}}", "timestamp": "1700000000", "distribution": "5",
         "sharing_group_id": "0", "comment": "", "deleted": false, "disable_correlation": false, "first_seen": null, "last_seen": null, "value": "{{{value}}}",
         "Event": {"org_id": "1", "distribution": "1", "id": "{{{eventId}}}", "info": "{{{info}}}", "orgc_id": "2", "uuid": "5c6f1c2e-0000-4a4e-9c7d-{{{eventId.PadLeft(12, '0')}}}"},
         "Tag": [{"id": "1", "name": "tlp:green", "colour": "#339900", "exportable": true}]{{{warnings}}}}
        """;

    static string Answer(params string[] attributes) => $$$"""{"response": {"Attribute": [{{{string.Join(",", attributes)}}}]}}""";

    async Task<(HttpClient Client, ReplayServer Misp)> MispAsync(Func<ReplayServer.Request, string> answer, int status = 200)
    {
        var misp = await ReplayServer.StartAsync((q, r) => ReplayServer.Reply(r, answer(q), status));
        var client = server.Client(await server.CreateOtherOrganisationKeyAsync());
        await client.ConfigureAsync("misp", new { enabled = true, baseUrl = misp.BaseUrl + "/misp", config = new { key = "misp-automation-key" } }).ExpectAsync(HttpStatusCode.OK);
        return (client, misp);
    }

    [Fact]
    public async Task An_attribute_for_detection_is_malicious_context_only_suspicious_a_warninglisted_one_safe_and_none_info()
    {
        var (client, misp) = await MispAsync(q => JsonDocument.Parse(q.Body).RootElement.GetProperty("value").GetString() switch
        {
            "evil.example" => Answer(Attribute("evil.example", true, "12", "Phishing campaign against finance"), Attribute("evil.example", false, "15", "OSINT report")),
            "context.example" => Answer(Attribute("context.example", false, "15", "OSINT report")),
            "google.com" => Answer(Attribute("google.com", false, "16", "Seen in a sandbox run", warninglist: "Top 1000 websites from Cisco Umbrella")),
            _ => Answer(),
        });
        await using var _ = misp;
        using var __ = client;

        var evil = await client.AnalyzeAsync(await client.ObservableAsync("domain", "evil.example"), "misp");
        Assert.Equal("malicious", evil.Level());
        Assert.Equal("2 events, 1 for detection", evil.GetProperty("taxonomies")[0].GetProperty("value").GetString());
        Assert.Contains(evil.GetProperty("taxonomies").EnumerateArray(), t => t.GetProperty("value").GetString() == "Phishing campaign against finance");
        var request = misp.Requests.First();
        Assert.Equal("POST", request.Method);
        Assert.Equal("/misp/attributes/restSearch", request.Path);
        Assert.Equal("misp-automation-key", request.Headers["Authorization"]);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("json", body.GetProperty("returnFormat").GetString());
        Assert.True(body.GetProperty("includeWarninglistHits").GetBoolean());

        Assert.Equal("suspicious", (await client.AnalyzeAsync(await client.ObservableAsync("domain", "context.example"), "misp")).Level());
        var google = await client.AnalyzeAsync(await client.ObservableAsync("domain", "google.com"), "misp");
        Assert.Equal("safe", google.Level());
        Assert.Contains(google.GetProperty("taxonomies").EnumerateArray(), t => t.GetProperty("value").GetString() == "Top 1000 websites from Cisco Umbrella");
        var unknown = await client.AnalyzeAsync(await client.ObservableAsync("ip", "198.51.100.23"), "misp");
        Assert.Equal("info", unknown.Level());
        Assert.Equal("not found", unknown.GetProperty("taxonomies")[0].GetProperty("value").GetString());
    }

    [Fact]
    public async Task A_refused_key_an_error_answer_and_a_missing_base_url_fail_with_reasons()
    {
        // MISP's 403 body (AppController: "Authentication failed. Please make sure you pass the API key ...").
        var (client, misp) = await MispAsync(_ => """{"name": "Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.", "message": "Authentication failed.", "url": "/attributes/restSearch"}""", 403);
        await using (misp)
        {
            var refused = await client.AnalyzeAsync(await client.ObservableAsync("domain", "a.example"), "misp");
            Assert.Equal("failure", refused.Status());
            Assert.Contains("refused the credentials", refused.Reason());
            Assert.DoesNotContain("misp-automation-key", refused.Reason());
        }
        var (other, proxy) = await MispAsync(_ => """{"message": "Invalid request: the MISP instance is in maintenance"}""");
        await using (proxy)
        {
            var odd = await other.AnalyzeAsync(await other.ObservableAsync("domain", "b.example"), "misp");
            Assert.Equal("failure", odd.Status());
            Assert.Contains("not a restSearch answer", odd.Reason());
            Assert.Contains("maintenance", odd.Reason());
        }

        using var noBase = server.Client(await server.CreateOtherOrganisationKeyAsync());
        await noBase.ConfigureAsync("misp", new { enabled = true, config = new { key = "k-12345" } }).ExpectAsync(HttpStatusCode.OK);
        var report = await noBase.AnalyzeAsync(await noBase.ObservableAsync("domain", "c.example"), "misp");
        Assert.Equal("failure", report.Status());
        Assert.Contains("no base URL is set", report.Reason());
    }
}
