using System.Net;
using System.Text.Json;
using Quell.Tests.Support;
using Quell.Tests.Files;
using static Quell.Tests.Enrichment.SandboxReplies;

namespace Quell.Tests.Enrichment;

/// <summary>CAPE against a local server replaying its API v2: tasks, status, report, IOCs, failures and the time limit.</summary>
public abstract class CapeAnalyzerTests(SandboxServer server)
{
    const string Token = "cape-token-abcdef123456";

    Task<HttpClient> TenantAsync(ReplayServer cape, int maxMinutes = 30) => server.TenantWithAsync("cape", cape.BaseUrl, new { token = Token, pollSeconds = 1, maxMinutes });

    /// <summary>A CAPE whose task 31 goes through <paramref name="statuses"/> (the last one repeats), with a report and IOCs.</summary>
    static Task<ReplayServer> CapeAsync(double malscore, params string[] statuses)
    {
        var checks = 0;
        return ReplayServer.StartAsync((q, r) => q.Path switch
        {
            "/apiv2/tasks/create/url/" or "/apiv2/tasks/create/file/" => ReplayServer.Reply(r, CapeCreated(31)),
            "/apiv2/tasks/status/31/" => ReplayServer.Reply(r, CapeStatus(statuses[Math.Min(Interlocked.Increment(ref checks), statuses.Length) - 1])),
            "/apiv2/tasks/get/report/31/" => ReplayServer.Reply(r, CapeReport(31, malscore)),
            "/apiv2/tasks/get/iocs/31/" => ReplayServer.Reply(r, CapeIocs),
            _ => ReplayServer.Reply(r, """{"error": true, "error_value": "Task does not exist"}"""),
        });
    }

    [Fact]
    public async Task A_file_with_content_is_uploaded_as_multipart_file_and_its_task_polled()
    {
        await using var cape = await CapeAsync(3.0, "running", "reported");
        using var client = await TenantAsync(cape);
        var sample = FileApi.Sample(4096, 5);

        var report = await client.AnalyzeAsync(await client.FileObservableAsync(sample, "dropper.js"), "cape");

        Assert.Equal("success", report.Status());
        Assert.Equal("suspicious", report.Level());
        var create = Assert.Single(cape.Requests, q => q.Method == "POST");
        Assert.Equal("/apiv2/tasks/create/file/", create.Path);
        var parts = await FileApi.PartsAsync(create);
        Assert.Equal("dropper.js", parts["file"].FileName);
        Assert.Equal(sample, parts["file"].Bytes);
        Assert.DoesNotContain(cape.Requests, q => q.Path.StartsWith("/apiv2/tasks/search/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_url_is_polled_until_reported_and_malscore_signatures_techniques_and_iocs_are_read()
    {
        await using var cape = await CapeAsync(8.2, "pending", "running", "completed", "reported");
        using var client = await TenantAsync(cape);

        var report = await client.AnalyzeAsync(await client.ObservableAsync("url", "http://phish.example/invoice"), "cape");

        Assert.Equal("success", report.Status());
        Assert.Equal("malicious", report.Level());
        var taxonomies = report.GetProperty("taxonomies").EnumerateArray().ToDictionary(t => t.GetProperty("predicate").GetString()!, t => t.GetProperty("value").GetString());
        Assert.Equal("8.2/10", taxonomies["Score"]);
        Assert.Equal("injection_createremotethread, network_cnc_http", taxonomies["Signatures"]);
        Assert.Equal("T1055, T1547.001", taxonomies["ATT&CK"]);
        Assert.Equal(
            [("ip", "203.0.113.77"), ("domain", "c2.cape.example"), ("url", "http://c2.cape.example/panel/gate.php"), ("hash", "bb11cc22dd33ee44ff55aa66bb11cc22dd33ee44ff55aa66bb11cc22dd33ee44")],
            report.ArtifactPairs());
        Assert.Equal(31, report.GetProperty("full").GetProperty("task").GetInt64());

        var create = Assert.Single(cape.Requests, q => q.Method == "POST");
        Assert.Equal("url=http%3A%2F%2Fphish.example%2Finvoice", create.Body);
        Assert.All(cape.Requests, q => Assert.Equal("Token " + Token, q.Headers["Authorization"]));
        Assert.Equal(4, cape.Requests.Count(q => q.Path == "/apiv2/tasks/status/31/"));
    }

    [Fact]
    public async Task A_task_that_fails_in_the_sandbox_fails_the_report_with_its_status()
    {
        await using var cape = await CapeAsync(0, "running", "failed_analysis");
        using var client = await TenantAsync(cape);

        var report = await client.AnalyzeAsync(await client.ObservableAsync("url", "http://crash.example/"), "cape");

        Assert.Equal("failure", report.Status());
        Assert.Equal("CAPE task 31 ended as failed_analysis; no verdict", report.Reason());
    }

    [Fact]
    public async Task An_analysis_that_never_finishes_fails_after_max_minutes()
    {
        await using var cape = await CapeAsync(0, "running");
        using var client = await TenantAsync(cape, maxMinutes: 1);
        var observable = await client.ObservableAsync("url", "http://slow.example/");
        await client.PostAsync($"/api/v1/observables/{observable}/analyze", null).ExpectAsync(HttpStatusCode.Accepted);

        await Eventually.UntilAsync<int>(async () => (await client.ReportOfAsync(observable, "cape")).GetProperty("polls").GetInt32() is var n and >= 2 ? n : null,
            "two status checks of the running task");
        server.Clock.Advance(TimeSpan.FromMinutes(2));
        var failed = await Eventually.UntilAsync<JsonElement>(async () => await client.ReportOfAsync(observable, "cape") is var r && r.Status() != "pending" ? r : null,
            "the report to end");

        Assert.Equal("failure", failed.Status());
        Assert.StartsWith("the analysis did not finish within 1 min (the analyzer's maxMinutes)", failed.Reason());
        Assert.Contains("{\"task\":31}", failed.Reason());
    }

    [Fact]
    public async Task Server_errors_while_polling_are_retried_and_an_html_error_page_fails_with_its_title()
    {
        var broken = 0;
        await using var cape = await ReplayServer.StartAsync((q, r) =>
        {
            if (q.Path == "/apiv2/tasks/status/31/" && Interlocked.Increment(ref broken) == 1)
                return ReplayServer.Reply(r, """{"detail": "temporarily unavailable"}""", 503);
            if (q.Path == "/apiv2/tasks/status/32/")
                return ReplayServer.Reply(r, HtmlErrorPage, 200, "text/html");
            return q.Path switch
            {
                "/apiv2/tasks/create/url/" => ReplayServer.Reply(r, CapeCreated(q.Body.Contains("html.example", StringComparison.Ordinal) ? 32 : 31)),
                "/apiv2/tasks/status/31/" => ReplayServer.Reply(r, CapeStatus("reported")),
                "/apiv2/tasks/get/report/31/" => ReplayServer.Reply(r, CapeReport(31, 1.0)),
                _ => ReplayServer.Reply(r, """{"error": true, "error_value": "IOC download API is disabled"}"""),
            };
        });
        using var client = await TenantAsync(cape);

        var retried = await client.AnalyzeAsync(await client.ObservableAsync("url", "http://flaky.example/"), "cape");
        Assert.Equal("success", retried.Status());
        Assert.Equal("safe", retried.Level());
        Assert.Empty(retried.GetProperty("artifacts").EnumerateArray());
        Assert.Equal("IOC download API is disabled", retried.GetProperty("full").GetProperty("iocsError").GetString());

        var html = await client.AnalyzeAsync(await client.ObservableAsync("url", "http://html.example/"), "cape");
        Assert.Equal("failure", html.Status());
        Assert.Contains("not JSON", html.Reason());
        Assert.Contains("502 Bad Gateway", html.Reason());
    }

    [Fact]
    public async Task A_hash_finds_the_newest_reported_task_and_an_error_answer_fails_with_capes_words()
    {
        await using var cape = await ReplayServer.StartAsync((q, r) => q.Path switch
        {
            $"/apiv2/tasks/search/sha256/{Sha256}/" => ReplayServer.Reply(r, """
                {"error": false, "data": [{"id": 12, "status": "failed_analysis"}, {"id": 31, "status": "reported"}, {"id": 40, "status": "failed_processing"}]}
                """),
            "/apiv2/tasks/get/report/31/" => ReplayServer.Reply(r, CapeReport(31, 4.0)),
            "/apiv2/tasks/get/iocs/31/" => ReplayServer.Reply(r, CapeIocs),
            "/apiv2/tasks/create/url/" => ReplayServer.Reply(r, """{"error": true, "error_value": "URL Create API is Disabled"}"""),
            _ => ReplayServer.Reply(r, """{"error": false, "data": []}"""),
        });
        using var client = await TenantAsync(cape);

        var byHash = await client.AnalyzeAsync(await client.ObservableAsync("hash", Sha256), "cape");
        Assert.Equal("suspicious", byHash.Level());
        Assert.DoesNotContain(cape.Requests, q => q.Method == "POST");

        var unknown = await client.AnalyzeAsync(await client.ObservableAsync("file", "report.docx|0123456789abcdef0123456789abcdef01234567"), "cape");
        Assert.Equal("not found", unknown.GetProperty("taxonomies")[0].GetProperty("value").GetString());
        Assert.Equal("/apiv2/tasks/search/sha1/0123456789abcdef0123456789abcdef01234567/", cape.Requests.Last().Path);

        var refused = await client.AnalyzeAsync(await client.ObservableAsync("url", "http://any.example/"), "cape");
        Assert.Equal("failure", refused.Status());
        Assert.Equal("CAPE answered an error: URL Create API is Disabled", refused.Reason());
    }
}

public sealed class CapeAnalyzerTestsOnSqlite(SandboxSqliteServer server) : CapeAnalyzerTests(server), IClassFixture<SandboxSqliteServer>;

public sealed class CapeAnalyzerTestsOnPostgres(SandboxPostgresServer server) : CapeAnalyzerTests(server), IClassFixture<SandboxPostgresServer>;
