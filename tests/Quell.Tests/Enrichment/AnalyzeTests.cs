using System.Diagnostics;
using System.Net;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Http;
using Quell.Enrichment.Analyzers;
using Quell.Tests.Support;

namespace Quell.Tests.Enrichment;

/// <summary>
/// The analyze flow end to end: a real Quell server, its job workers, and a local HTTP server replaying VirusTotal's
/// documented answers and errors. Each test works in an organisation of its own, so settings never leak between tests.
/// </summary>
public abstract class AnalyzeTests(TestServer server)
{
    const string Key = "vt-secret-key-0123456789";
    const string Url = "http://evil.example/login?x=1";

    /// <summary>A VirusTotal URL object (API v3) with the given analysis stats.</summary>
    static string UrlObject(string url, int malicious, int suspicious, int harmless, int undetected) => $$"""
        {"data": {"type": "url", "id": "{{VirusTotalAnalyzer.UrlId(url)}}", "links": {"self": "https://www.virustotal.com/api/v3/urls/x"},
          "attributes": {"url": "{{url}}", "last_final_url": "http://evil.example/final", "reputation": -12,
            "last_analysis_stats": {"harmless": {{harmless}}, "malicious": {{malicious}}, "suspicious": {{suspicious}}, "undetected": {{undetected}}, "timeout": 0} } } }
        """;

    static Task Json(HttpResponse r, string body, int status = 200)
    {
        r.StatusCode = status;
        r.ContentType = "application/json";
        return r.WriteAsync(body);
    }

    async Task<HttpClient> TenantAsync() => server.Client(await server.CreateOtherOrganisationKeyAsync());

    static Task<HttpResponseMessage> EnableVirusTotal(HttpClient client, ReplayServer vt, object? extra = null) =>
        client.ConfigureAsync("virustotal", extra ?? new { enabled = true, baseUrl = vt.BaseUrl, config = new { key = Key } });

    [Fact]
    public async Task A_url_is_looked_up_by_its_unpadded_base64url_id_and_three_engines_make_it_malicious()
    {
        await using var vt = await ReplayServer.StartAsync((_, r) => Json(r, UrlObject(Url, malicious: 5, suspicious: 1, harmless: 60, undetected: 10)));
        using var client = await TenantAsync();
        await EnableVirusTotal(client, vt).ExpectAsync(HttpStatusCode.OK);
        var id = await client.ObservableAsync("url", Url);

        var report = await client.AnalyzeAsync(id, "virustotal");

        Assert.Equal("success", report.Status());
        Assert.Equal("malicious", report.Level());
        var request = Assert.Single(vt.Requests);
        Assert.Equal("/api/v3/urls/aHR0cDovL2V2aWwuZXhhbXBsZS9sb2dpbj94PTE", request.Path);
        Assert.Equal(Key, request.Headers["x-apikey"]);
        var taxonomy = report.GetProperty("taxonomies")[0];
        Assert.Equal("VT", taxonomy.GetProperty("namespace").GetString());
        Assert.Equal("GetReport", taxonomy.GetProperty("predicate").GetString());
        Assert.Equal("5/76", taxonomy.GetProperty("value").GetString());
        Assert.Equal(-12, report.GetProperty("full").GetProperty("data").GetProperty("attributes").GetProperty("reputation").GetInt32());
        Assert.Contains(report.GetProperty("artifacts").EnumerateArray(), a => a.GetProperty("data").GetString() == "http://evil.example/final");

        // The report is visible on the observable.
        var shown = await client.GetAsync($"/api/v1/observables/{id}/reports").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(report.GetProperty("id").GetInt64(), shown.GetProperty("reports")[0].GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task The_same_value_within_the_cache_ttl_is_answered_from_the_cache_without_asking_the_service()
    {
        await using var vt = await ReplayServer.StartAsync((_, r) => Json(r, UrlObject(Url, 0, 0, 70, 5)));
        using var client = await TenantAsync();
        await EnableVirusTotal(client, vt).ExpectAsync(HttpStatusCode.OK);
        var first = await client.AnalyzeAsync(await client.ObservableAsync("url", Url), "virustotal");
        Assert.Equal("safe", first.Level());

        // Another alert with the same URL: the first report answers at once (200, not 202), and nothing is sent.
        var other = await client.ObservableAsync("url", Url);
        var answer = await client.PostAsync($"/api/v1/observables/{other}/analyze", null).ExpectAsync(HttpStatusCode.OK);
        var again = answer.GetProperty("reports")[0];
        Assert.Equal(first.GetProperty("id").GetInt64(), again.GetProperty("id").GetInt64());
        Assert.Single(vt.Requests);

        // With no cache, the service is asked again.
        await EnableVirusTotal(client, vt, new { enabled = true, baseUrl = vt.BaseUrl, config = new { key = AnalyzerSecretsMask }, cacheTtl = 0 }).ExpectAsync(HttpStatusCode.OK);
        var fresh = await client.AnalyzeAsync(other, "virustotal");
        Assert.NotEqual(first.GetProperty("id").GetInt64(), fresh.GetProperty("id").GetInt64());
        Assert.Equal(2, vt.Requests.Count);
        Assert.Equal(Key, vt.Requests.Last().Headers["x-apikey"]); // the masked key kept its stored value
    }

    const string AnalyzerSecretsMask = "********";

    [Fact]
    public async Task A_run_whose_job_was_dead_lettered_does_not_block_a_new_one()
    {
        await using var vt = await ReplayServer.StartAsync((_, r) => Json(r, UrlObject(Url, 0, 0, 1, 0)));
        using var client = await TenantAsync();
        await EnableVirusTotal(client, vt).ExpectAsync(HttpStatusCode.OK);
        var id = await client.ObservableAsync("url", "http://dead.example/");
        // A report left pending by a job that died on every attempt (a worker killed each time).
        var first = await client.AnalyzeAsync(id, "virustotal");
        var reportId = first.GetProperty("id").GetInt64();
        await server.Db.WriteAsync((c, tx) => c.ExecuteAsync(
            "UPDATE analyzer_reports SET status = 'pending' WHERE id = @reportId; UPDATE jobs SET status = 'dead' WHERE id = (SELECT job_id FROM analyzer_reports WHERE id = @reportId)",
            new { reportId }, tx));
        await EnableVirusTotal(client, vt, new { enabled = true, baseUrl = vt.BaseUrl, config = new { key = Key }, cacheTtl = 0 }).ExpectAsync(HttpStatusCode.OK);

        var again = await client.AnalyzeAsync(id, "virustotal");

        Assert.NotEqual(reportId, again.GetProperty("id").GetInt64());
        Assert.Equal("success", again.Status());
        Assert.Equal(2, vt.Requests.Count);
    }

    [Fact]
    public async Task An_observable_above_the_analyzers_tlp_is_never_sent_and_the_report_says_why()
    {
        await using var vt = await ReplayServer.StartAsync((_, r) => Json(r, UrlObject(Url, 0, 0, 1, 0)));
        using var client = await TenantAsync();
        await EnableVirusTotal(client, vt).ExpectAsync(HttpStatusCode.OK);

        var red = await client.AnalyzeAsync(await client.ObservableAsync("url", Url, tlp: "RED"), "virustotal");
        Assert.Equal("skipped", red.Status());
        Assert.Contains("TLP:RED", red.Reason());
        Assert.Contains("at most TLP:AMBER", red.Reason());

        var pap = await client.AnalyzeAsync(await client.ObservableAsync("url", Url, tlp: "GREEN", pap: "RED"), "virustotal");
        Assert.Equal("skipped", pap.Status());
        Assert.Contains("PAP:RED", pap.Reason());
        Assert.Empty(vt.Requests);
    }

    [Fact]
    public async Task A_429_is_retried_after_the_services_retry_after()
    {
        var calls = 0;
        await using var vt = await ReplayServer.StartAsync((_, r) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                r.Headers.RetryAfter = "2";
                return Json(r, """{"error": {"code": "QuotaExceededError", "message": "Quota exceeded"}}""", 429);
            }
            return Json(r, UrlObject(Url, 1, 0, 50, 0));
        });
        using var client = await TenantAsync();
        await EnableVirusTotal(client, vt).ExpectAsync(HttpStatusCode.OK);
        var watch = Stopwatch.StartNew();

        var report = await client.AnalyzeAsync(await client.ObservableAsync("url", Url), "virustotal");

        Assert.Equal("suspicious", report.Level());
        Assert.Equal(2, calls);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.9), $"retried after {watch.Elapsed}, before the 2 s Retry-After");
    }

    [Theory]
    [InlineData(401, "application/json", """{"error": {"code": "WrongCredentialsError", "message": "Wrong API key vt-secret-key-0123456789"}}""", "refused the credentials")]
    [InlineData(200, "text/html", "<html><head><title>Service Unavailable</title></head><body>maintenance</body></html>", "not JSON")]
    [InlineData(200, "application/json", "{\"data\": {\"attributes\": ", "not JSON")]
    [InlineData(200, "application/json", "{\"data\": {\"attributes\": {}}}", "no data.attributes.last_analysis_stats")]
    [InlineData(400, "application/json", """{"error": {"code": "InvalidArgumentError", "message": "bad id"}}""", "answered 400")]
    public async Task A_final_error_fails_the_report_with_a_reason_that_never_shows_the_key(int status, string contentType, string body, string reason)
    {
        await using var vt = await ReplayServer.StartAsync((_, r) =>
        {
            r.StatusCode = status;
            r.ContentType = contentType;
            return r.WriteAsync(body);
        });
        using var client = await TenantAsync();
        await EnableVirusTotal(client, vt).ExpectAsync(HttpStatusCode.OK);

        var report = await client.AnalyzeAsync(await client.ObservableAsync("domain", "evil.example"), "virustotal");

        Assert.Equal("failure", report.Status());
        Assert.Contains(reason, report.Reason());
        Assert.DoesNotContain(Key, report.Reason());
        Assert.Single(vt.Requests); // not retried
    }

    [Fact]
    public async Task A_not_found_hash_is_an_info_report()
    {
        await using var vt = await ReplayServer.StartAsync((_, r) =>
            Json(r, """{"error": {"code": "NotFoundError", "message": "File \"44d88612fea8a8f36de82e1278abb02f\" not found"}}""", 404));
        using var client = await TenantAsync();
        await EnableVirusTotal(client, vt).ExpectAsync(HttpStatusCode.OK);
        var report = await client.AnalyzeAsync(await client.ObservableAsync("hash", "44D88612FEA8A8F36DE82E1278ABB02F"), "virustotal");
        Assert.Equal("info", report.Level());
        Assert.Equal("/api/v3/files/44d88612fea8a8f36de82e1278abb02f", Assert.Single(vt.Requests).Path);
    }

    [Fact]
    public async Task Server_errors_on_every_attempt_end_in_a_failure_naming_the_last_answer()
    {
        await using var vt = await ReplayServer.StartAsync((_, r) =>
        {
            r.Headers.RetryAfter = "0";
            return Json(r, "<html>Bad gateway</html>", 502);
        });
        using var client = await TenantAsync();
        await EnableVirusTotal(client, vt).ExpectAsync(HttpStatusCode.OK);

        var report = await client.AnalyzeAsync(await client.ObservableAsync("ip", "198.51.100.7"), "virustotal");

        Assert.Equal("failure", report.Status());
        Assert.StartsWith("gave up after 2 attempts", report.Reason());
        Assert.Contains("502", report.Reason());
        Assert.Equal(2, vt.Requests.Count);
        Assert.Equal("/api/v3/ip_addresses/198.51.100.7", vt.Requests.First().Path);
    }

    [Fact]
    public async Task A_service_that_does_not_answer_in_time_fails_after_its_attempts()
    {
        await using var vt = await ReplayServer.StartAsync(async (_, r) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), r.HttpContext.RequestAborted);
            await Json(r, UrlObject(Url, 0, 0, 1, 0));
        });
        using var client = await TenantAsync();
        await EnableVirusTotal(client, vt, new { enabled = true, baseUrl = vt.BaseUrl, config = new { key = Key }, timeout = 1 }).ExpectAsync(HttpStatusCode.OK);

        var report = await client.AnalyzeAsync(await client.ObservableAsync("url", Url), "virustotal");

        Assert.Equal("failure", report.Status());
        Assert.Contains("no answer within 1 s", report.Reason());
    }

    [Fact]
    public async Task A_huge_body_fails_the_run_and_a_large_answer_is_kept_without_its_full_json()
    {
        var padding = new string('x', EnrichmentServer.MaxFullBytes);
        var huge = new string('y', EnrichmentServer.MaxResponseBytes + 1);
        await using var vt = await ReplayServer.StartAsync((q, r) => q.Path.Contains("domains/huge", StringComparison.Ordinal)
            ? Json(r, $"{{\"pad\": \"{huge}\"}}")
            : Json(r, $$"""{"pad": "{{padding}}", "data": {"attributes": {"last_analysis_stats": {"malicious": 0, "harmless": 3} } } }"""));
        using var client = await TenantAsync();
        await EnableVirusTotal(client, vt).ExpectAsync(HttpStatusCode.OK);

        var failed = await client.AnalyzeAsync(await client.ObservableAsync("domain", "huge.example"), "virustotal");
        Assert.Equal("failure", failed.Status());
        Assert.Contains($"larger than {EnrichmentServer.MaxResponseBytes} bytes", failed.Reason());

        var large = await client.AnalyzeAsync(await client.ObservableAsync("domain", "large.example"), "virustotal");
        Assert.Equal("safe", large.Level());
        Assert.True(large.GetProperty("fullTruncated").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, large.GetProperty("full").ValueKind);
    }

    [Fact]
    public async Task The_rate_limit_spaces_calls_across_values_and_waiting_is_not_a_failed_attempt()
    {
        var times = new System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset>();
        await using var vt = await ReplayServer.StartAsync((_, r) =>
        {
            times.Enqueue(DateTimeOffset.UtcNow);
            return Json(r, UrlObject(Url, 0, 0, 1, 0));
        });
        using var client = await TenantAsync();
        await EnableVirusTotal(client, vt, new { enabled = true, baseUrl = vt.BaseUrl, config = new { key = Key }, rateLimit = "1/s" }).ExpectAsync(HttpStatusCode.OK);
        var ids = new List<long>();
        for (var i = 0; i < 4; i++)
            ids.Add(await client.ObservableAsync("domain", $"d{i}.rate.example"));

        await Task.WhenAll(ids.Select(id => client.PostAsync($"/api/v1/observables/{id}/analyze", null)));
        var reports = await Task.WhenAll(ids.Select(id => client.AnalyzeAsync(id, "virustotal")));

        Assert.All(reports, r => Assert.Equal("success", r.Status()));
        var sorted = times.Order().ToList();
        Assert.Equal(4, sorted.Count);
        // Four calls at one a second span at least three seconds (less a little for when each request reached the server).
        Assert.True(sorted[^1] - sorted[0] >= TimeSpan.FromSeconds(2.7), $"4 calls under 1/s took only {(sorted[^1] - sorted[0]).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task An_unknown_observable_is_a_404_problem_and_a_disabled_analyzer_does_not_run()
    {
        await using var vt = await ReplayServer.StartAsync((_, r) => Json(r, UrlObject(Url, 0, 0, 1, 0)));
        using var client = await TenantAsync();
        await client.PostAsync("/api/v1/observables/987654321/analyze", null).ExpectProblemAsync(HttpStatusCode.NotFound);
        await client.PostAsync("/api/v1/observables/1/analyze?of=mail", null).ExpectProblemAsync(HttpStatusCode.BadRequest);

        await EnableVirusTotal(client, vt, new { enabled = false, baseUrl = vt.BaseUrl, config = new { key = Key } }).ExpectAsync(HttpStatusCode.OK);
        var id = await client.ObservableAsync("url", Url);
        var answer = await client.PostAsync($"/api/v1/observables/{id}/analyze?wait=true", null).ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(answer.GetProperty("reports").EnumerateArray(), r => r.GetProperty("analyzer").GetString() == "virustotal");
        Assert.Empty(vt.Requests);
    }

    [Fact]
    public async Task The_local_intel_store_answers_without_http()
    {
        using var client = await TenantAsync();
        await client.ConfigureAsync("intel", new { enabled = true }).ExpectAsync(HttpStatusCode.OK);
        await client.PostAsync("/api/v1/indicators", new StringContent("""{"type": "domain", "value": "intel-hit.example", "source": "enrichment-test", "confidence": 90}""", Encoding.UTF8, "application/json"))
            .ExpectAsync(HttpStatusCode.Created);

        var hit = await client.AnalyzeAsync(await client.ObservableAsync("domain", "intel-hit.example", tlp: "RED", pap: "RED"), "intel");
        Assert.Equal("malicious", hit.Level());
        Assert.Contains("enrichment-test", hit.GetProperty("taxonomies")[1].GetProperty("value").GetString());

        var miss = await client.AnalyzeAsync(await client.ObservableAsync("domain", "intel-miss.example"), "intel");
        Assert.Equal("info", miss.Level());
    }

    [Fact]
    public async Task Secrets_are_stored_encrypted_and_shown_masked()
    {
        await using var vt = await ReplayServer.StartAsync((_, r) => Json(r, UrlObject(Url, 0, 0, 1, 0)));
        using var client = await TenantAsync();
        var saved = await EnableVirusTotal(client, vt).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("********", saved.GetProperty("config").GetProperty("key").GetString());
        var listed = await client.GetAsync("/api/v1/analyzers").ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(Key, listed.GetRawText());
        var stored = await server.Db.ReadAsync(async c => string.Join("\n", await c.QueryAsync<string>("SELECT config || coalesce(secrets, '') FROM analyzer_settings")));
        Assert.DoesNotContain(Key, stored);
        var audit = await server.Db.ReadAsync(async c => string.Join("\n", await c.QueryAsync<string>("SELECT coalesce(after_json, '') FROM audit_log WHERE action = 'analyzer.configure'")));
        Assert.Contains("virustotal", audit);
        Assert.DoesNotContain(Key, audit);
    }
}

public sealed class AnalyzeTestsOnSqlite(EnrichmentSqliteServer server) : AnalyzeTests(server), IClassFixture<EnrichmentSqliteServer>;

public sealed class AnalyzeTestsOnPostgres(EnrichmentPostgresServer server) : AnalyzeTests(server), IClassFixture<EnrichmentPostgresServer>;
