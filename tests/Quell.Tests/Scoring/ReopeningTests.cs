using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Quell.Tests.Enrichment;
using Quell.Tests.Intel.Flagging;
using Quell.Tests.Support;
using static Quell.Tests.Scoring.LearningApi;

namespace Quell.Tests.Scoring;

/// <summary>
/// Only standing decisions teach: reopening an alert or case takes its verdict back (reliability counters, sightings,
/// allowlist entries, history), the decision row stays superseded, and resolving again records a new decision.
/// </summary>
public abstract class ReopeningTests(TestServer server)
{
    static double VtReliability(JsonElement score) =>
        Contributions(score).Single(c => c.GetProperty("source").GetString() == "virustotal").GetProperty("reliability").GetDouble();

    Task<List<(bool Superseded, long? SupersededAt, string Verdict)>> DecisionsAsync(string of, long id) =>
        server.Db.ReadAsync(async c => (await c.QueryAsync<(bool, long?, string)>(
            "SELECT superseded, superseded_at, verdict FROM score_decisions WHERE owner_kind = @of AND owner_id = @id ORDER BY id", new { of, id })).ToList());

    [Fact]
    public async Task Reopening_a_case_withdraws_its_decision_and_resolving_it_again_records_a_new_one()
    {
        var (client, vt) = await TenantAsync(server);
        await using var replay = vt;
        using var http = client;
        // The URL is analyzed first, so the case's explanation has VirusTotal's "malicious" for the decision to judge.
        var watcher = await AnalyzedAlertAsync(client, TestAlerts.NewSource());
        var caseId = (await client.PostAsJsonAsync("/api/v1/cases", new { title = "phish", observables = new[] { new { dataType = "url", data = Url } } })
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        await client.PatchAsJsonAsync($"/api/v1/cases/{caseId}", new { status = "resolved", resolution = "false-positive" }).ExpectAsync(HttpStatusCode.OK);
        var decided = await ScoreAsync(client, watcher);
        Assert.Contains("seen in 1 earlier alerts/cases: false-positive ×1", HistoryNotes(decided));
        Assert.Equal(0.33, VtReliability(decided)); // (0 + 1) / (1 + 2)

        await client.PatchAsJsonAsync($"/api/v1/cases/{caseId}", new { status = "in-progress" }).ExpectAsync(HttpStatusCode.OK);
        var reopened = await ScoreAsync(client, watcher);
        Assert.Empty(HistoryNotes(reopened));
        Assert.Equal(0.5, VtReliability(reopened));
        var rows = await DecisionsAsync("case", caseId);
        Assert.True(Assert.Single(rows) is { Superseded: true, SupersededAt: not null, Verdict: "false-positive" }, string.Join(", ", rows));
        var audit = await server.Db.ReadAsync(c => c.ExecuteScalarAsync<string>(
            "SELECT after_json FROM audit_log WHERE action = 'case.reopen' AND entity_type = 'case' AND entity_id = @id", new { id = caseId.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        Assert.Contains("\"withdrawnDecision\"", audit);

        var answer = await client.PostAsJsonAsync($"/api/v1/cases/{caseId}/resolve", new { resolution = "true-positive" }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal((1L, 0L), Vt(answer));
        var again = await ScoreAsync(client, watcher);
        Assert.Contains("seen in 1 earlier alerts/cases: true-positive ×1", HistoryNotes(again));
        Assert.Equal(0.67, VtReliability(again));
        rows = await DecisionsAsync("case", caseId);
        Assert.Equal([(true, "false-positive"), (false, "true-positive")], rows.Select(r => (r.Superseded, r.Verdict)));
    }

    [Fact]
    public async Task A_resolved_alert_leaves_the_new_queue_and_reopening_it_withdraws_its_sightings_allowlist_and_history()
    {
        var (client, vt) = await TenantAsync(server);
        await using var replay = vt;
        using var http = client;
        var domain = FlagApi.NewDomain();
        var indicator = await client.AddIndicatorAsync("domain", domain);
        var source = TestAlerts.NewSource();
        var sourceRef = Guid.NewGuid().ToString("N");
        var alertBody = TestAlerts.Alert(source, sourceRef, observables: [("url", Url), ("domain", domain)]);
        var alert = await client.CreateAlertAsync(alertBody);
        await client.WaitForIntelAsync($"/api/v1/alerts/{alert}", domain);

        await ResolveAsync(client, alert, new { verdict = "false-positive", allowlist = new[] { new { dataType = "url", data = Url } } }).ExpectAsync(HttpStatusCode.OK);
        var view = await client.GetAsync($"/api/v1/alerts/{alert}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("resolved", "false-positive"), (view.GetProperty("status").GetString(), view.GetProperty("resolution").GetString()));
        Assert.Equal(JsonValueKind.String, view.GetProperty("resolvedAt").ValueKind);
        Assert.Contains(await client.ListAllAsync($"source={source}&status=resolved"), a => a.GetProperty("id").GetInt64() == alert);
        Assert.Empty(await client.ListAllAsync($"source={source}&status=new"));
        Assert.Equal(1, await FalsePositivesAsync(client, indicator));
        var later = await AnalyzedAlertAsync(client, TestAlerts.NewSource());
        var score = await ScoreAsync(client, later);
        Assert.Contains("seen in 1 earlier alerts/cases: false-positive ×1", HistoryNotes(score));
        Assert.Contains(Contributions(score), c => c.GetProperty("source").GetString() == "allowlist");

        // Posting it again (the source repeats itself) does not reopen it: the verdict stands until an analyst says otherwise.
        await client.PostAlertAsync(alertBody, HttpStatusCode.OK);
        Assert.Equal("resolved", (await client.GetAsync($"/api/v1/alerts/{alert}").ExpectAsync(HttpStatusCode.OK)).GetProperty("status").GetString());

        var reopened = await client.PostAsync($"/api/v1/alerts/{alert}/reopen", null).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("new", reopened.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, reopened.GetProperty("resolution").ValueKind);
        Assert.Equal(0, await FalsePositivesAsync(client, indicator));
        score = await ScoreAsync(client, later);
        Assert.Empty(HistoryNotes(score));
        Assert.DoesNotContain(Contributions(score), c => c.GetProperty("source").GetString() is "allowlist");
        Assert.Single(await client.ListAllAsync($"source={source}&status=new"));
        var withdrawn = await server.Db.ReadAsync(c => c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM indicator_sightings WHERE indicator_id = @indicator AND withdrawn_at IS NOT NULL", new { indicator }));
        Assert.Equal(1, withdrawn); // kept, marked, for the record

        var resolved = await ResolveAsync(client, alert, new { verdict = "true-positive" }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal((1L, 0L), Vt(resolved));
        Assert.Contains("seen in 1 earlier alerts/cases: true-positive ×1", HistoryNotes(await ScoreAsync(client, later)));
        var indicatorView = await client.GetAsync($"/api/v1/indicators/{indicator}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, indicatorView.GetProperty("sightings").GetProperty("counts").GetProperty("true-positive").GetInt32());
        Assert.Equal([(true, "false-positive"), (false, "true-positive")], (await DecisionsAsync("alert", alert)).Select(r => (r.Superseded, r.Verdict)));
    }

    [Fact]
    public async Task Ignoring_a_resolved_alert_withdraws_its_decision_and_a_duplicate_closes_without_teaching()
    {
        var (client, vt) = await TenantAsync(server);
        await using var replay = vt;
        using var http = client;
        var alert = await AnalyzedAlertAsync(client, TestAlerts.NewSource());
        await ResolveAsync(client, alert, new { verdict = "benign" }).ExpectAsync(HttpStatusCode.OK);
        var ignored = await client.PostAsync($"/api/v1/alerts/{alert}/ignore", null).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("ignored", ignored.GetProperty("status").GetString());
        Assert.True(Assert.Single(await DecisionsAsync("alert", alert)).Superseded);

        var duplicate = await ResolveAsync(client, alert, new { verdict = "duplicate" }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal((0L, 0L), Vt(duplicate));
        var view = await client.GetAsync($"/api/v1/alerts/{alert}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("resolved", "duplicate"), (view.GetProperty("status").GetString(), view.GetProperty("resolution").GetString()));
        var later = await AnalyzedAlertAsync(client, TestAlerts.NewSource());
        Assert.Empty(HistoryNotes(await ScoreAsync(client, later)));
    }

    static async Task<int> FalsePositivesAsync(HttpClient client, long indicator)
    {
        var view = await client.GetAsync($"/api/v1/indicators/{indicator}").ExpectAsync(HttpStatusCode.OK);
        return view.GetProperty("sightings").GetProperty("counts").GetProperty("false-positive").GetInt32();
    }
}

public sealed class ReopeningTestsOnSqlite(EnrichmentSqliteServer server) : ReopeningTests(server), IClassFixture<EnrichmentSqliteServer>;

public sealed class ReopeningTestsOnPostgres(EnrichmentPostgresServer server) : ReopeningTests(server), IClassFixture<EnrichmentPostgresServer>;
