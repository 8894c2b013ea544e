using System.Net;
using Microsoft.AspNetCore.Http;
using Quell.Tests.Support;

namespace Quell.Tests.Enrichment;

/// <summary>URLhaus, AbuseIPDB and PhishTank against local servers replaying their documented answers and errors.</summary>
public abstract class ServiceAnalyzerTests(TestServer server)
{
    static Task Json(HttpResponse r, string body, int status = 200)
    {
        r.StatusCode = status;
        r.ContentType = "application/json";
        return r.WriteAsync(body);
    }

    async Task<HttpClient> TenantAsync() => server.Client(await server.CreateOtherOrganisationKeyAsync());

    // From https://urlhaus-api.abuse.ch/ (Query URL information), shortened.
    const string UrlhausUrl = """
        {"query_status": "ok", "id": "105821", "urlhaus_reference": "https://urlhaus.abuse.ch/url/105821/", "url": "http://sskymedia.com/VMYB-ht_JAQo-gi/INV/99401FORPO/20673114777/US/Outstanding-Invoices/",
         "url_status": "online", "host": "sskymedia.com", "date_added": "2019-01-19 01:33:26 UTC", "threat": "malware_download",
         "blacklists": {"spamhaus_dbl": "abused_legit_malware", "surbl": "listed"}, "reporter": "Cryptolaemus1", "larted": "true", "tags": ["emotet", "heodo"],
         "payloads": [{"firstseen": "2019-01-19", "filename": "52407815625.doc", "file_type": "doc", "response_size": "174387",
           "response_md5": "3a4b3b3d3a6b4b0c4fa1d0e6a1d1a1a1", "response_sha256": "a3b4e6bd55a0a53c4de1a8f1f1a6d0e8c3b2f8d6e4a9c1b7d5e3f2a1b0c9d8e7",
           "urlhaus_download": "https://urlhaus-api.abuse.ch/v1/download/a3b4/", "signature": "Heodo", "virustotal": null}]}
        """;

    [Fact]
    public async Task Urlhaus_lists_an_online_url_as_malicious_with_its_payloads_and_an_unknown_host_as_info()
    {
        await using var urlhaus = await ReplayServer.StartAsync((q, r) => q.Path == "/v1/url/"
            ? Json(r, UrlhausUrl)
            : Json(r, """{"query_status": "no_results"}"""));
        using var client = await TenantAsync();
        await client.ConfigureAsync("urlhaus", new { enabled = true, baseUrl = urlhaus.BaseUrl, config = new { key = "abuse-ch-key" } }).ExpectAsync(HttpStatusCode.OK);

        var url = await client.AnalyzeAsync(await client.ObservableAsync("url", "http://sskymedia.com/VMYB-ht_JAQo-gi/INV/"), "urlhaus");
        Assert.Equal("malicious", url.Level());
        Assert.Equal("malware_download (online)", url.GetProperty("taxonomies")[0].GetProperty("value").GetString());
        Assert.Equal("a3b4e6bd55a0a53c4de1a8f1f1a6d0e8c3b2f8d6e4a9c1b7d5e3f2a1b0c9d8e7", url.GetProperty("artifacts")[0].GetProperty("data").GetString());
        var request = urlhaus.Requests.First();
        Assert.Equal("POST", request.Method);
        Assert.Equal("abuse-ch-key", request.Headers["Auth-Key"]);
        Assert.Equal("url=http%3A%2F%2Fsskymedia.com%2FVMYB-ht_JAQo-gi%2FINV%2F", request.Body);

        var host = await client.AnalyzeAsync(await client.ObservableAsync("domain", "clean.example"), "urlhaus");
        Assert.Equal("info", host.Level());
        Assert.Equal("/v1/host/", urlhaus.Requests.Last().Path);
        Assert.Equal("host=clean.example", urlhaus.Requests.Last().Body);
    }

    [Fact]
    public async Task Urlhaus_reads_payloads_by_hash_and_refuses_sha1()
    {
        await using var urlhaus = await ReplayServer.StartAsync((_, r) => Json(r, """
            {"query_status": "ok", "md5_hash": "12c8aec5766ac3e6f26f2505e2f4a8f2", "sha256_hash": "01fa56184fcaa42b6ee1882787a34098c79898c182814774fd81dc18a6af0b00",
             "file_type": "exe", "file_size": "93184", "signature": "Gozi", "firstseen": "2019-01-18 10:46:34", "url_count": "1",
             "urls": [{"url_id": "105390", "url": "http://175.106.83.54/payload.exe", "url_status": "offline", "urlhaus_reference": "https://urlhaus.abuse.ch/url/105390/", "filename": null, "firstseen": "2019-01-18", "lastseen": null}]}
            """));
        using var client = await TenantAsync();
        await client.ConfigureAsync("urlhaus", new { enabled = true, baseUrl = urlhaus.BaseUrl, config = new { key = "k-123456" } }).ExpectAsync(HttpStatusCode.OK);

        var payload = await client.AnalyzeAsync(await client.ObservableAsync("hash", "12c8aec5766ac3e6f26f2505e2f4a8f2"), "urlhaus");
        Assert.Equal("malicious", payload.Level());
        Assert.Equal("md5_hash=12c8aec5766ac3e6f26f2505e2f4a8f2", urlhaus.Requests.Last().Body);
        Assert.Equal("http://175.106.83.54/payload.exe", payload.GetProperty("artifacts")[0].GetProperty("data").GetString());

        var sha1 = await client.AnalyzeAsync(await client.ObservableAsync("hash", "da39a3ee5e6b4b0d3255bfef95601890afd80709"), "urlhaus");
        Assert.Equal("failure", sha1.Status());
        Assert.Contains("MD5 or SHA-256", sha1.Reason());
    }

    [Fact]
    public async Task Abuseipdb_scores_an_address_and_a_refused_address_fails_with_the_services_detail()
    {
        await using var abuse = await ReplayServer.StartAsync((q, r) => q.Path.Contains("ipAddress=203.0.113.9", StringComparison.Ordinal)
            ? Json(r, """{"errors": [{"detail": "The ip address must be a valid IPv4 or IPv6 address (e.g. 8.8.8.8 or 2001:4860:4860::8888).", "status": 422, "source": {"parameter": "ipAddress"}}]}""", 422)
            : Json(r, """
                {"data": {"ipAddress": "118.25.6.39", "isPublic": true, "ipVersion": 4, "isWhitelisted": false, "abuseConfidenceScore": 100, "countryCode": "CN",
                  "usageType": "Data Center/Web Hosting/Transit", "isp": "Tencent Cloud Computing (Beijing) Co. Ltd", "domain": "tencent.com", "hostnames": [],
                  "isTor": false, "totalReports": 1, "numDistinctUsers": 1, "lastReportedAt": "2018-12-20T20:55:14+00:00"}}
                """));
        using var client = await TenantAsync();
        await client.ConfigureAsync("abuseipdb", new { enabled = true, baseUrl = abuse.BaseUrl, config = new { key = "abuse-key-1", maxAgeInDays = 30 } }).ExpectAsync(HttpStatusCode.OK);

        var report = await client.AnalyzeAsync(await client.ObservableAsync("ip", "118.25.6.39"), "abuseipdb");
        Assert.Equal("malicious", report.Level());
        Assert.Equal("100% (1 reports)", report.GetProperty("taxonomies")[0].GetProperty("value").GetString());
        Assert.Equal("/api/v2/check?ipAddress=118.25.6.39&maxAgeInDays=30", abuse.Requests.First().Path);
        Assert.Equal("abuse-key-1", abuse.Requests.First().Headers["Key"]);

        var refused = await client.AnalyzeAsync(await client.ObservableAsync("ip", "203.0.113.9"), "abuseipdb");
        Assert.Equal("failure", refused.Status());
        Assert.Contains("must be a valid IPv4", refused.Reason());
    }

    [Fact]
    public async Task Phishtank_marks_a_verified_valid_phish_malicious_and_an_unknown_url_info()
    {
        await using var phishtank = await ReplayServer.StartAsync((q, r) => q.Body.Contains("phish.example", StringComparison.Ordinal)
            ? Json(r, """
                {"meta": {"timestamp": "2024-01-01T00:00:00+00:00", "serverid": "1", "status": "success", "requestid": "abc"},
                 "results": {"url": "http://phish.example/login", "in_database": true, "phish_id": 8311101, "phish_detail_page": "http://www.phishtank.com/phish_detail.php?phish_id=8311101",
                   "verified": true, "verified_at": "2024-01-01T00:00:00+00:00", "valid": true}}
                """)
            : Json(r, """{"meta": {"status": "success"}, "results": {"url": "http://fine.example/", "in_database": false}}"""));
        using var client = await TenantAsync();
        await client.ConfigureAsync("phishtank", new { enabled = true, baseUrl = phishtank.BaseUrl, config = new { key = "pt-app-key", username = "soc" } }).ExpectAsync(HttpStatusCode.OK);

        var phish = await client.AnalyzeAsync(await client.ObservableAsync("url", "http://phish.example/login"), "phishtank");
        Assert.Equal("malicious", phish.Level());
        var request = phishtank.Requests.First();
        Assert.Equal("/checkurl/", request.Path);
        Assert.Equal("url=http%3A%2F%2Fphish.example%2Flogin&format=json&app_key=pt-app-key", request.Body);
        Assert.Equal("phishtank/soc", request.Headers["User-Agent"]);

        var fine = await client.AnalyzeAsync(await client.ObservableAsync("url", "http://fine.example/"), "phishtank");
        Assert.Equal("info", fine.Level());
    }
}

public sealed class ServiceAnalyzerTestsOnSqlite(EnrichmentSqliteServer server) : ServiceAnalyzerTests(server), IClassFixture<EnrichmentSqliteServer>;

public sealed class ServiceAnalyzerTestsOnPostgres(EnrichmentPostgresServer server) : ServiceAnalyzerTests(server), IClassFixture<EnrichmentPostgresServer>;
