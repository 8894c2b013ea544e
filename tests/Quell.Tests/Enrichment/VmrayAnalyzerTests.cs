using System.Net;
using System.Text.Json;
using Quell.Tests.Support;
using Quell.Tests.Files;
using static Quell.Tests.Enrichment.SandboxReplies;

namespace Quell.Tests.Enrichment;

/// <summary>VMRay against a local server replaying its REST API: submission, polling, verdict, IOCs, techniques and errors.</summary>
public abstract class VmrayAnalyzerTests(SandboxServer server)
{
    const string Key = "vmray-key-0123456789";

    Task<HttpClient> TenantAsync(ReplayServer vmray) => server.TenantWithAsync("vmray", vmray.BaseUrl, new { key = Key, pollSeconds = 1 });

    /// <summary>A VMRay whose submission 4242 (sample 777) finishes after <paramref name="runningChecks"/> status checks.</summary>
    static Task<ReplayServer> DetonatingVmrayAsync(int runningChecks, string verdict = "malicious", bool errors = false)
    {
        var checks = 0;
        return ReplayServer.StartAsync((q, r) => q.Path switch
        {
            "/rest/sample/submit" => ReplayServer.Reply(r, VmraySubmit(4242, 777)),
            "/rest/submission/4242" => ReplayServer.Reply(r, VmraySubmission(4242, 777, finished: Interlocked.Increment(ref checks) > runningChecks, errors)),
            "/rest/sample/777" => ReplayServer.Reply(r, VmraySample(777, verdict)),
            "/rest/sample/777/iocs" => ReplayServer.Reply(r, VmrayIocs),
            "/rest/sample/777/mitre_attack" => ReplayServer.Reply(r, VmrayMitre),
            _ => ReplayServer.Reply(r, VmrayNoSuchElement, 404),
        });
    }

    [Fact]
    public async Task A_url_is_submitted_polled_until_finished_and_its_verdict_iocs_and_techniques_are_read()
    {
        // Three "still running" answers against two attempts (EnrichmentServer): polls must not use attempts up.
        await using var vmray = await DetonatingVmrayAsync(runningChecks: 3);
        using var client = await TenantAsync(vmray);

        var report = await client.AnalyzeAsync(await client.ObservableAsync("url", "http://phish.example/invoice"), "vmray");

        Assert.Equal("success", report.Status());
        Assert.Equal("malicious", report.Level());
        var taxonomies = report.GetProperty("taxonomies").EnumerateArray().ToList();
        Assert.Contains(taxonomies, t => t.GetProperty("predicate").GetString() == "Verdict" && t.GetProperty("value").GetString() == "malicious");
        Assert.Contains(taxonomies, t => t.GetProperty("predicate").GetString() == "ATT&CK" && t.GetProperty("value").GetString() == "T1059.001, T1071");
        Assert.Equal(
            [("ip", "198.51.100.23"), ("domain", "c2.evil.example"), ("url", "http://c2.evil.example/gate.php"), ("hash", "aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44")],
            report.ArtifactPairs());
        Assert.Equal(["T1059.001", "T1071"], report.GetProperty("full").GetProperty("techniques").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(4, report.GetProperty("polls").GetInt32()); // the submission and three checks
        Assert.Equal(4242, report.GetProperty("pollState").GetProperty("submission").GetInt64());

        var requests = vmray.Requests.ToList();
        var submit = Assert.Single(requests, q => q.Method == "POST");
        Assert.Equal("/rest/sample/submit", submit.Path);
        Assert.StartsWith("multipart/form-data", submit.Headers["Content-Type"]);
        Assert.Contains("name=sample_url", submit.Body);
        Assert.Contains("http://phish.example/invoice", submit.Body);
        Assert.All(requests, q => Assert.Equal("api_key " + Key, q.Headers["Authorization"]));
        Assert.Equal(4, requests.Count(q => q.Path == "/rest/submission/4242"));
    }

    [Fact]
    public async Task A_file_with_content_is_submitted_as_multipart_sample_file_instead_of_a_hash_lookup()
    {
        await using var vmray = await DetonatingVmrayAsync(runningChecks: 1);
        using var client = await TenantAsync(vmray);
        var sample = FileApi.Sample(6000, 9);

        var report = await client.AnalyzeAsync(await client.FileObservableAsync(sample, "Rechnung 2026.pdf.exe"), "vmray");

        Assert.Equal("success", report.Status());
        Assert.Equal("malicious", report.Level());
        var submit = Assert.Single(vmray.Requests, q => q.Method == "POST");
        Assert.Equal("/rest/sample/submit", submit.Path);
        var parts = await FileApi.PartsAsync(submit);
        Assert.Equal(["sample_file"], parts.Keys);
        Assert.Equal("Rechnung 2026.pdf.exe", parts["sample_file"].FileName);
        Assert.Equal(sample, parts["sample_file"].Bytes);
        Assert.DoesNotContain(vmray.Requests, q => q.Path.StartsWith("/rest/sample/sha256/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_file_with_content_above_its_alerts_tlp_limit_is_skipped_and_nothing_is_sent()
    {
        await using var vmray = await DetonatingVmrayAsync(0);
        using var client = await TenantAsync(vmray);

        var report = await client.AnalyzeAsync(await client.FileObservableAsync(FileApi.Sample(), "secret.docx", tlp: "RED"), "vmray");

        Assert.Equal("skipped", report.Status());
        Assert.Empty(vmray.Requests);
    }

    [Fact]
    public async Task A_hash_is_looked_up_without_submitting_and_a_clean_verdict_is_safe()
    {
        await using var vmray = await ReplayServer.StartAsync((q, r) => q.Path switch
        {
            $"/rest/sample/sha256/{Sha256}" => ReplayServer.Reply(r, $$"""{"result": "ok", "data": [{"sample_id": 555, "sample_verdict": "clean"}]}"""),
            "/rest/sample/555" => ReplayServer.Reply(r, VmraySample(555, "clean")),
            "/rest/sample/555/iocs" => ReplayServer.Reply(r, """{"result": "ok", "data": {"iocs": {}}}"""),
            "/rest/sample/555/mitre_attack" => ReplayServer.Reply(r, """{"result": "ok", "data": {"mitre_attack_techniques": []}}"""),
            _ => ReplayServer.Reply(r, VmrayNoSuchElement, 404),
        });
        using var client = await TenantAsync(vmray);

        var byHash = await client.AnalyzeAsync(await client.ObservableAsync("hash", Sha256.ToUpperInvariant()), "vmray");
        Assert.Equal("safe", byHash.Level());
        Assert.Equal(0, byHash.GetProperty("polls").GetInt32());

        // A file observable written as name|sha256 is looked up by its hash.
        var file = await client.AnalyzeAsync(await client.ObservableAsync("file", $"invoice.pdf|{Sha256}"), "vmray");
        Assert.Equal("safe", file.Level());

        // A hash VMRay has never seen: an info report, not a failure.
        var unknown = await client.AnalyzeAsync(await client.ObservableAsync("hash", "0123456789abcdef0123456789abcdef"), "vmray");
        Assert.Equal("success", unknown.Status());
        Assert.Equal("not found", unknown.GetProperty("taxonomies")[0].GetProperty("value").GetString());
        Assert.Equal("/rest/sample/md5/0123456789abcdef0123456789abcdef", vmray.Requests.Last().Path);
        Assert.DoesNotContain(vmray.Requests, q => q.Method == "POST");
    }

    [Fact]
    public async Task A_file_observable_without_a_hash_fails_saying_there_is_no_content_and_nothing_is_sent()
    {
        await using var vmray = await DetonatingVmrayAsync(0);
        using var client = await TenantAsync(vmray);

        var report = await client.AnalyzeAsync(await client.ObservableAsync("file", "invoice.pdf"), "vmray");

        Assert.Equal("failure", report.Status());
        Assert.Contains("Quell keeps no content for this file observable", report.Reason());
        Assert.Contains("'invoice.pdf' holds no MD5, SHA-1 or SHA-256", report.Reason());
        Assert.Empty(vmray.Requests);
    }

    [Fact]
    public async Task A_submission_vmray_finishes_with_errors_fails_the_report()
    {
        await using var vmray = await DetonatingVmrayAsync(runningChecks: 1, errors: true);
        using var client = await TenantAsync(vmray);

        var report = await client.AnalyzeAsync(await client.ObservableAsync("url", "http://broken.example/"), "vmray");

        Assert.Equal("failure", report.Status());
        Assert.Contains("VMRay finished submission 4242 with errors", report.Reason());
    }

    [Fact]
    public async Task A_refused_key_fails_at_once_and_a_429_with_retry_after_is_retried()
    {
        var limited = 0;
        await using var vmray = await ReplayServer.StartAsync((q, r) =>
        {
            if (q.Path == "/rest/sample/submit" && q.Body.Contains("refused.example", StringComparison.Ordinal))
                return ReplayServer.Reply(r, """{"result": "error", "error_msg": "Authentication failed"}""", 401);
            if (q.Path == "/rest/submission/4242" && Interlocked.Increment(ref limited) == 1)
            {
                r.Headers.RetryAfter = "1";
                return ReplayServer.Reply(r, """{"result": "error", "error_msg": "Too many requests"}""", 429);
            }
            return q.Path switch
            {
                "/rest/sample/submit" => ReplayServer.Reply(r, VmraySubmit(4242, 777)),
                "/rest/submission/4242" => ReplayServer.Reply(r, VmraySubmission(4242, 777, finished: true)),
                "/rest/sample/777" => ReplayServer.Reply(r, VmraySample(777, "suspicious")),
                "/rest/sample/777/iocs" => ReplayServer.Reply(r, VmrayIocs),
                _ => ReplayServer.Reply(r, VmrayMitre),
            };
        });
        using var client = await TenantAsync(vmray);

        var refused = await client.AnalyzeAsync(await client.ObservableAsync("url", "http://refused.example/"), "vmray");
        Assert.Equal("failure", refused.Status());
        Assert.Contains("refused the credentials", refused.Reason());
        Assert.DoesNotContain(Key, refused.Reason());

        var retried = await client.AnalyzeAsync(await client.ObservableAsync("url", "http://limited.example/"), "vmray");
        Assert.Equal("success", retried.Status());
        Assert.Equal("suspicious", retried.Level());
        Assert.Equal(2, vmray.Requests.Count(q => q.Path == "/rest/submission/4242"));
    }

    [Fact]
    public async Task Polling_settings_out_of_range_are_refused_naming_the_item()
    {
        using var client = server.Client(await server.CreateOtherOrganisationKeyAsync());
        var problem = await (await client.ConfigureAsync("vmray", new { enabled = true, config = new { key = Key, pollSeconds = 0, maxMinutes = "soon" } }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.Equal("config.pollSeconds must be a whole number from 1 to 3600", errors.GetProperty("config.pollSeconds")[0].GetString());
        Assert.Equal("config.maxMinutes must be a whole number from 1 to 1440", errors.GetProperty("config.maxMinutes")[0].GetString());

        var listed = await client.GetAsync("/api/v1/analyzers/vmray").ExpectAsync(HttpStatusCode.OK);
        var item = listed.GetProperty("configItems").EnumerateArray().Single(i => i.GetProperty("name").GetString() == "pollSeconds");
        Assert.Equal(3600, item.GetProperty("max").GetInt32());
    }
}

public sealed class VmrayAnalyzerTestsOnSqlite(SandboxSqliteServer server) : VmrayAnalyzerTests(server), IClassFixture<SandboxSqliteServer>;

public sealed class VmrayAnalyzerTestsOnPostgres(SandboxPostgresServer server) : VmrayAnalyzerTests(server), IClassFixture<SandboxPostgresServer>;
