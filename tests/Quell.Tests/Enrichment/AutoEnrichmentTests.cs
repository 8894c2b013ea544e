using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Quell.Enrichment;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Enrichment;

/// <summary>An enrichment server whose clock the tests move (expiry) and whose expiry sweep runs only when a test calls it.</summary>
public abstract class AutoEnrichmentServer : EnrichmentServer, IClockedServer
{
    public ShiftableTime Clock { get; } = new();

    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Services.AddSingleton<TimeProvider>(Clock);
        builder.Services.Configure<EnrichmentOptions>(o => o.ExpirySweepInterval = TimeSpan.FromHours(6));
    }
}

public sealed class AutoEnrichmentSqliteServer : AutoEnrichmentServer
{
    public override Dialect Dialect => Dialect.Sqlite;
}

public sealed class AutoEnrichmentPostgresServer : AutoEnrichmentServer
{
    public override Dialect Dialect => Dialect.Postgres;
}

/// <summary>
/// Auto-enrichment end to end: observables added through the API queue the analyzers whose <c>auto</c> covers them,
/// a local stand-in for VirusTotal answers, the alert and case views show the summaries; expiry and artifacts.
/// </summary>
public abstract class AutoEnrichmentTests(AutoEnrichmentServer server)
{
    const string Key = "vt-auto-key-0123456789";

    /// <summary>A VirusTotal URL object for the URL named by the request path; its final URL is the URL plus "next/".</summary>
    static Task Answer(ReplayServer.Request request, HttpResponse r, int malicious = 4)
    {
        var id = request.Path[(request.Path.LastIndexOf('/') + 1)..];
        var url = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(id));
        r.ContentType = "application/json";
        return r.WriteAsync(JsonSerializer.Serialize(new
        {
            data = new
            {
                type = "url",
                id,
                attributes = new
                {
                    url,
                    last_final_url = url + "next/",
                    reputation = -3,
                    last_analysis_stats = new { harmless = 50, malicious, suspicious = 0, undetected = 10, timeout = 0 },
                },
            },
        }));
    }

    async Task<HttpClient> TenantAsync() => server.Client(await server.CreateOtherOrganisationKeyAsync());

    static Task<HttpResponseMessage> AutoVirusTotal(HttpClient client, ReplayServer vt, string auto, string artifacts = "keep") =>
        client.ConfigureAsync("virustotal", new { enabled = true, baseUrl = vt.BaseUrl, config = new { key = Key }, rateLimit = "", auto, artifacts });

    static async Task<long> AlertAsync(HttpClient client, string tlp = "AMBER", params (string Type, string Data)[] observables)
    {
        var alert = TestAlerts.Alert(TestAlerts.NewSource(), observables: observables);
        alert["tlp"] = tlp;
        return await client.CreateAlertAsync(alert);
    }

    static async Task<JsonElement> ObservableAsync(HttpClient client, long alertId, string data) =>
        (await client.GetAsync($"/api/v1/alerts/{alertId}").ExpectAsync(HttpStatusCode.OK)).GetProperty("observables").EnumerateArray()
            .Single(o => o.GetProperty("data").GetString() == data);

    /// <summary>The observable's virustotal summary once it has one in <paramref name="status"/>.</summary>
    static Task<JsonElement> SummaryAsync(HttpClient client, long alertId, string data, string status = "success") =>
        Eventually.UntilAsync<JsonElement>(async () =>
        {
            var o = await ObservableAsync(client, alertId, data);
            return o.GetProperty("enrichment").EnumerateArray().FirstOrDefault(s => s.GetProperty("analyzer").GetString() == "virustotal" && s.Status() == status) is
            { ValueKind: JsonValueKind.Object } s ? s : null;
        }, $"a {status} virustotal summary on {data}");

    [Fact]
    public async Task Observables_of_a_new_alert_get_pending_then_successful_reports_from_an_auto_analyzer()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var vt = await ReplayServer.StartAsync(async (q, r) =>
        {
            await gate.Task;
            await Answer(q, r);
        });
        using var client = await TenantAsync();
        await AutoVirusTotal(client, vt, "alerts").ExpectAsync(HttpStatusCode.OK);

        var alertId = await AlertAsync(client, "AMBER", ("url", "http://auto-1.example/a/"), ("url", "http://auto-2.example/b/"), ("mail", "someone@auto.example"));

        // Queued in the alert's transaction: the reports exist (pending) before the service has answered.
        var pending = await ObservableAsync(client, alertId, "http://auto-1.example/a/");
        Assert.Equal("pending", Assert.Single(pending.GetProperty("enrichment").EnumerateArray()).Status());
        Assert.Empty((await ObservableAsync(client, alertId, "someone@auto.example")).GetProperty("enrichment").EnumerateArray());
        gate.SetResult();

        var done = await SummaryAsync(client, alertId, "http://auto-1.example/a/");
        Assert.Equal("malicious", done.Level());
        Assert.Equal("4/64", done.GetProperty("taxonomies")[0].GetProperty("value").GetString());
        await SummaryAsync(client, alertId, "http://auto-2.example/b/");
        Assert.Equal(2, vt.Requests.Count);

        // The same value in another alert is answered from the cache: the service is not asked again.
        var again = await AlertAsync(client, "AMBER", ("url", "http://auto-1.example/a/"));
        Assert.Equal("success", (await SummaryAsync(client, again, "http://auto-1.example/a/")).Status());
        Assert.Equal(2, vt.Requests.Count);
    }

    [Fact]
    public async Task Alerts_of_one_bulk_post_sharing_a_value_queue_one_run_for_it_and_every_observable_shows_it()
    {
        await using var vt = await ReplayServer.StartAsync((q, r) => Answer(q, r));
        using var client = await TenantAsync();
        await AutoVirusTotal(client, vt, "alerts").ExpectAsync(HttpStatusCode.OK);
        var source = TestAlerts.NewSource();
        var shared = $"http://bulk-shared-{Guid.NewGuid():N}.example/x/";
        var alerts = Enumerable.Range(0, 3).Select(i => TestAlerts.Alert(source, observables: [("url", shared), ("url", $"http://bulk-own-{i}-{Guid.NewGuid():N}.example/")])).ToList();

        var posted = await client.PostAsJsonAsync("/api/v1/alerts/_bulk", alerts).ExpectAsync(HttpStatusCode.OK);
        var ids = posted.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("id").GetInt64()).ToList();

        foreach (var id in ids)
            Assert.Equal("malicious", (await SummaryAsync(client, id, shared)).Level());
        var reports = await server.Db.ReadAsync(c => c.QueryAsync<string>(
            "SELECT status FROM analyzer_reports WHERE data = @shared", new { shared }));
        Assert.Equal(["success"], reports);
        // One call for the shared value and one for each alert's own.
        Assert.Equal(4, vt.Requests.Count);
        Assert.Single(vt.Requests, q => q.Path.EndsWith(Base64Url.EncodeToString(Encoding.UTF8.GetBytes(shared)), StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_analyzer_set_to_cases_does_not_run_on_alerts_but_on_the_case_made_from_one()
    {
        await using var vt = await ReplayServer.StartAsync((q, r) => Answer(q, r));
        using var client = await TenantAsync();
        await AutoVirusTotal(client, vt, "cases").ExpectAsync(HttpStatusCode.OK);

        var alertId = await AlertAsync(client, "AMBER", ("url", "http://cases-only.example/"));
        await Task.Delay(500);
        Assert.Empty((await ObservableAsync(client, alertId, "http://cases-only.example/")).GetProperty("enrichment").EnumerateArray());
        Assert.Empty(vt.Requests);

        var created = await client.PostAsJsonAsync($"/api/v1/alerts/{alertId}/case", new { }).ExpectAsync(HttpStatusCode.Created);
        var caseId = created.GetProperty("id").GetInt64();
        var summary = await Eventually.UntilAsync<JsonElement>(async () =>
        {
            var view = await client.GetAsync($"/api/v1/cases/{caseId}").ExpectAsync(HttpStatusCode.OK);
            var o = view.GetProperty("observables").EnumerateArray().Single();
            return o.GetProperty("enrichment").EnumerateArray().FirstOrDefault(s => s.Status() == "success") is { ValueKind: JsonValueKind.Object } s ? s : null;
        }, "the case observable's report");
        Assert.Equal("malicious", summary.Level());
        var request = Assert.Single(vt.Requests);
        Assert.Equal(Key, request.Headers["x-apikey"]);
        var report = await client.GetAsync($"/api/v1/observables/{(await client.GetAsync($"/api/v1/cases/{caseId}").ExpectAsync(HttpStatusCode.OK)).GetProperty("observables")[0].GetProperty("id").GetInt64()}/reports?of=case")
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("case", report.GetProperty("reports")[0].GetProperty("observableKind").GetString());
    }

    [Fact]
    public async Task An_alert_above_the_analyzers_tlp_gets_a_skipped_report_and_nothing_is_sent()
    {
        await using var vt = await ReplayServer.StartAsync((q, r) => Answer(q, r));
        using var client = await TenantAsync();
        await AutoVirusTotal(client, vt, "both").ExpectAsync(HttpStatusCode.OK);

        var alertId = await AlertAsync(client, "RED", ("url", "http://red-auto.example/"));

        var o = await ObservableAsync(client, alertId, "http://red-auto.example/");
        var skipped = Assert.Single(o.GetProperty("enrichment").EnumerateArray());
        Assert.Equal("skipped", skipped.Status());
        var reports = await client.GetAsync($"/api/v1/observables/{o.GetProperty("id").GetInt64()}/reports?of=alert").ExpectAsync(HttpStatusCode.OK);
        Assert.Contains("TLP:RED", reports.GetProperty("reports")[0].Reason());
        await Task.Delay(300);
        Assert.Empty(vt.Requests);
    }

    static string UrlPath(string url) => "/api/v3/urls/" + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(url));

    static async Task<long> CaseAsync(HttpClient client, string url) =>
        (await client.PostAsJsonAsync("/api/v1/cases", new { title = "Case " + url, observables = new[] { new { dataType = "url", data = url } } })
            .ExpectAsync(HttpStatusCode.Created)).Id();

    [Fact]
    public async Task The_expiry_sweep_queues_again_only_values_of_open_alerts_and_cases()
    {
        await using var vt = await ReplayServer.StartAsync((q, r) => Answer(q, r));
        using var client = await TenantAsync();
        await AutoVirusTotal(client, vt, "both").ExpectAsync(HttpStatusCode.OK);
        const string openUrl = "http://expiry-open.example/", ignoredUrl = "http://expiry-ignored.example/";
        const string openCaseUrl = "http://expiry-open-case.example/", resolvedCaseUrl = "http://expiry-resolved-case.example/";
        var open = await AlertAsync(client, "AMBER", ("url", openUrl));
        var ignored = await AlertAsync(client, "AMBER", ("url", ignoredUrl));
        var first = await SummaryAsync(client, open, openUrl);
        await SummaryAsync(client, ignored, ignoredUrl);
        await client.PostAsync($"/api/v1/alerts/{ignored}/ignore", null).ExpectAsync(HttpStatusCode.OK);
        await CaseAsync(client, openCaseUrl);
        var resolved = await CaseAsync(client, resolvedCaseUrl);
        await client.PatchJsonAsync($"/api/v1/cases/{resolved}", new { status = "resolved", resolution = "benign" }).ExpectAsync(HttpStatusCode.OK);
        string[] all = [openUrl, ignoredUrl, openCaseUrl, resolvedCaseUrl];
        await Eventually.UntilAsync<bool>(async () => await server.Db.ReadAsync(c => c.ExecuteScalarAsync<long>(
            $"SELECT COUNT(*) FROM analyzer_reports WHERE status = 'success' AND {Db.In(c, "data", "@all")}", new { all })) == 4 ? true : null, "four first reports");
        var sweep = server.Services.GetRequiredService<ExpirySweep>();

        // Not expired yet (VirusTotal's cache TTL is a day): nothing to do.
        await sweep.SweepAsync();
        await Task.Delay(300);
        Assert.Equal(4, vt.Requests.Count);

        server.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await sweep.SweepAsync();

        var renewed = await Eventually.UntilAsync<JsonElement>(async () =>
            await SummaryAsync(client, open, openUrl) is var s && s.GetProperty("reportId").GetInt64() != first.GetProperty("reportId").GetInt64() ? s : null,
            "a new report of the open alert's value");
        Assert.Equal("malicious", renewed.Level());
        await Eventually.UntilAsync<bool>(async () => { await Task.Yield(); return vt.Requests.Count(r => r.Path == UrlPath(openCaseUrl)) == 2 ? true : null; },
            "the open case's value asked again");
        Assert.Equal(2, vt.Requests.Count(r => r.Path == UrlPath(openUrl)));

        // The ignored alert's and the resolved case's values were looked at and left; a second sweep finds nothing new either.
        await sweep.SweepAsync();
        await Task.Delay(300);
        Assert.Equal(1, vt.Requests.Count(r => r.Path == UrlPath(ignoredUrl)));
        Assert.Equal(1, vt.Requests.Count(r => r.Path == UrlPath(resolvedCaseUrl)));
        Assert.Equal(6, vt.Requests.Count);
    }

    [Fact]
    public async Task Artifacts_become_tagged_observables_only_when_opted_in_and_only_one_level_deep()
    {
        await using var vt = await ReplayServer.StartAsync((q, r) => Answer(q, r));
        using var client = await TenantAsync();

        await AutoVirusTotal(client, vt, "alerts", artifacts: "keep").ExpectAsync(HttpStatusCode.OK);
        var kept = await AlertAsync(client, "AMBER", ("url", "http://artifact-keep.example/"));
        await SummaryAsync(client, kept, "http://artifact-keep.example/");
        var keptView = await client.GetAsync($"/api/v1/alerts/{kept}").ExpectAsync(HttpStatusCode.OK);
        Assert.Single(keptView.GetProperty("observables").EnumerateArray());

        await AutoVirusTotal(client, vt, "alerts", artifacts: "add").ExpectAsync(HttpStatusCode.OK);
        var added = await AlertAsync(client, "AMBER", ("url", "http://artifact-add.example/"));
        await SummaryAsync(client, added, "http://artifact-add.example/");
        // The final URL became an observable, tagged with the analyzer, and was enriched in turn...
        var child = await SummaryAsync(client, added, "http://artifact-add.example/next/");
        Assert.Equal("malicious", child.Level());
        var view = await client.GetAsync($"/api/v1/alerts/{added}").ExpectAsync(HttpStatusCode.OK);
        var observables = view.GetProperty("observables").EnumerateArray().ToList();
        var artifact = observables.Single(o => o.GetProperty("data").GetString() == "http://artifact-add.example/next/");
        Assert.Equal(["artifact:virustotal"], artifact.GetProperty("tags").Strings());
        // ...but its own artifact (…/next/next/) was not added: one level only.
        await Task.Delay(500);
        view = await client.GetAsync($"/api/v1/alerts/{added}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, view.GetProperty("observables").GetArrayLength());
        Assert.Equal(2, view.GetProperty("observableCount").GetInt32());
    }
}

public sealed class AutoEnrichmentTestsOnSqlite(AutoEnrichmentSqliteServer server) : AutoEnrichmentTests(server), IClassFixture<AutoEnrichmentSqliteServer>;

public sealed class AutoEnrichmentTestsOnPostgres(AutoEnrichmentPostgresServer server) : AutoEnrichmentTests(server), IClassFixture<AutoEnrichmentPostgresServer>;
