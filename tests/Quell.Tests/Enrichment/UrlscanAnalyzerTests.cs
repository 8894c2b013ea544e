using System.Net;
using Quell.Tests.Support;

namespace Quell.Tests.Enrichment;

/// <summary>The urlscan analyzer's search against a local server replaying urlscan.io's search answers and errors.</summary>
public sealed class UrlscanAnalyzerTests(EnrichmentSqliteServer server) : IClassFixture<EnrichmentSqliteServer>
{
    // The shape of urlscan.io's /api/v1/search/ answer, shortened; the second scan carries urlscan's verdict.
    const string Scans = """
        {"results": [
          {"task": {"visibility": "public", "method": "api", "domain": "login-micros0ft.example", "time": "2026-11-20T12:06:32.146Z", "uuid": "2e973dc1-3372-4f21-a9d5-f1ba9cc7149d", "url": "http://login-micros0ft.example/o365"},
           "stats": {"uniqIPs": 3, "uniqCountries": 1, "dataLength": 21000, "requests": 12},
           "page": {"country": "NL", "server": "nginx", "domain": "login-micros0ft.example", "ip": "198.51.100.44", "asnname": "EXAMPLE-AS, NL", "asn": "AS64500", "url": "http://login-micros0ft.example/o365", "status": "200"},
           "_id": "2e973dc1-3372-4f21-a9d5-f1ba9cc7149d", "sort": [1795000000000, "2e973dc1-3372-4f21-a9d5-f1ba9cc7149d"],
           "result": "https://urlscan.io/api/v1/result/2e973dc1-3372-4f21-a9d5-f1ba9cc7149d/", "screenshot": "https://urlscan.io/screenshots/2e973dc1-3372-4f21-a9d5-f1ba9cc7149d.png"},
          {"task": {"visibility": "public", "method": "manual", "domain": "login-micros0ft.example", "time": "2026-11-21T08:00:00.000Z", "uuid": "14a15941-8835-47e6-b815-77b7d4a48c34", "url": "http://login-micros0ft.example/o365"},
           "page": {"domain": "login-micros0ft.example", "ip": "198.51.100.45", "url": "http://login-micros0ft.example/o365"},
           "verdicts": {"overall": {"score": 100, "malicious": true, "categories": ["phishing"], "brands": ["Microsoft"]}},
           "_id": "14a15941-8835-47e6-b815-77b7d4a48c34", "result": "https://urlscan.io/api/v1/result/14a15941-8835-47e6-b815-77b7d4a48c34/"}
        ], "total": 2, "took": 12, "has_more": false}
        """;

    [Fact]
    public async Task A_url_scanned_as_malicious_is_malicious_with_its_pages_as_artifacts_and_an_unknown_domain_is_info()
    {
        await using var urlscan = await ReplayServer.StartAsync((q, r) => q.Path.Contains("page.url", StringComparison.Ordinal)
            ? ReplayServer.Reply(r, Scans)
            : q.Path.Contains("hash%3A", StringComparison.Ordinal)
                ? ReplayServer.Reply(r, """{"message": "Search query could not be parsed", "description": "Invalid query", "status": 400}""", 400)
                : ReplayServer.Reply(r, """{"results": [], "total": 0, "took": 3, "has_more": false}"""));
        using var client = server.Client(await server.CreateOtherOrganisationKeyAsync());
        await client.ConfigureAsync("urlscan", new { enabled = true, baseUrl = urlscan.BaseUrl, config = new { key = "urlscan-key-1" } }).ExpectAsync(HttpStatusCode.OK);

        var url = await client.AnalyzeAsync(await client.ObservableAsync("url", "http://login-micros0ft.example/o365", tlp: "GREEN", pap: "GREEN"), "urlscan");
        Assert.Equal("malicious", url.Level());
        Assert.Equal("2 scans, 1 malicious, latest 2026-11-21", url.GetProperty("taxonomies")[0].GetProperty("value").GetString());
        var artifacts = url.GetProperty("artifacts").EnumerateArray().Select(a => (a.GetProperty("dataType").GetString(), a.GetProperty("data").GetString())).ToList();
        Assert.Equal([("ip", "198.51.100.44"), ("domain", "login-micros0ft.example"), ("ip", "198.51.100.45")], artifacts);
        var request = urlscan.Requests.First();
        Assert.Equal("/api/v1/search/?q=page.url%3A%22http%3A%2F%2Flogin-micros0ft.example%2Fo365%22&size=20", request.Path);
        Assert.Equal("urlscan-key-1", request.Headers["API-Key"]);

        var domain = await client.AnalyzeAsync(await client.ObservableAsync("domain", "quiet.example", tlp: "GREEN", pap: "GREEN"), "urlscan");
        Assert.Equal("info", domain.Level());
        Assert.Equal("no scans", domain.GetProperty("taxonomies")[0].GetProperty("value").GetString());
        Assert.Contains("page.domain%3A%22quiet.example%22", urlscan.Requests.Last().Path);

        var refused = await client.AnalyzeAsync(await client.ObservableAsync("hash", new string('a', 64), tlp: "GREEN", pap: "GREEN"), "urlscan");
        Assert.Equal("failure", refused.Status());
        Assert.Contains("urlscan.io refused the search: Search query could not be parsed", refused.Reason());

        // An AMBER value never leaves: urlscan.io is public.
        var amber = await client.AnalyzeAsync(await client.ObservableAsync("domain", "internal.example"), "urlscan");
        Assert.Equal("skipped", amber.Status());
    }
}
