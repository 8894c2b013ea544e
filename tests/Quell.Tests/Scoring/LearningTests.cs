using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Quell.Tests.Enrichment;
using Quell.Tests.Support;

namespace Quell.Tests.Scoring;

/// <summary>
/// Scores and analysts' verdicts end to end: a real server, VirusTotal replayed by a local HTTP server calling every
/// URL malicious, alerts of one kind (same type and source) resolved by an analyst, and what later alerts score.
/// </summary>
public abstract class LearningTests(TestServer server)
{
    const string Url = LearningApi.Url;

    Task<(HttpClient Client, ReplayServer Vt)> TenantAsync() => LearningApi.TenantAsync(server);

    static Task<long> AnalyzedAlertAsync(HttpClient client, string source, params (string, string)[] more) => LearningApi.AnalyzedAlertAsync(client, source, more);

    static Task<JsonElement> ScoreAsync(HttpClient client, long alertId) => LearningApi.ScoreAsync(client, alertId);

    static Task<HttpResponseMessage> ResolveAsync(HttpClient client, long alertId, object body) => LearningApi.ResolveAsync(client, alertId, body);

    static IEnumerable<JsonElement> Contributions(JsonElement score) => LearningApi.Contributions(score);

    [Fact]
    public async Task The_same_kind_of_alert_scores_lower_after_an_analyst_marks_two_false_positive_and_says_why()
    {
        var (client, vt) = await TenantAsync();
        await using var replay = vt;
        using var http = client;
        var source = TestAlerts.NewSource();

        var first = await AnalyzedAlertAsync(client, source);
        var before = await ScoreAsync(client, first);
        Assert.Equal(69, before.GetProperty("score").GetInt32());
        Assert.Equal("suspicious", before.GetProperty("verdict").GetString());
        var vtBefore = Contributions(before).Single(c => c.GetProperty("source").GetString() == "virustotal");
        Assert.Equal("malicious", vtBefore.GetProperty("level").GetString());
        Assert.Equal("VT:GetReport=5/75", vtBefore.GetProperty("taxonomy").GetString());
        Assert.Equal(0.5, vtBefore.GetProperty("reliability").GetDouble());

        var resolved = await ResolveAsync(client, first, new { verdict = "false-positive", comment = "partner newsletter tracking link" }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(69, resolved.GetProperty("shown").GetProperty("score").GetInt32());
        Assert.Equal(1, resolved.GetProperty("reliability").GetProperty("virustotal").GetProperty("disagree").GetInt64());
        var second = await AnalyzedAlertAsync(client, source);
        resolved = await ResolveAsync(client, second, new { verdict = "false-positive" }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, resolved.GetProperty("reliability").GetProperty("virustotal").GetProperty("disagree").GetInt64());
        Assert.Equal(0, resolved.GetProperty("reliability").GetProperty("virustotal").GetProperty("agree").GetInt64());

        var third = await AnalyzedAlertAsync(client, source);
        var after = await ScoreAsync(client, third);
        Assert.True(after.GetProperty("score").GetInt32() < before.GetProperty("score").GetInt32(), after.GetRawText());
        Assert.Equal("safe", after.GetProperty("verdict").GetString());
        var vtAfter = Contributions(after).Single(c => c.GetProperty("source").GetString() == "virustotal");
        Assert.Equal(0.25, vtAfter.GetProperty("reliability").GetDouble()); // Beta(1,1): (0 + 1) / (0 + 2 + 2)
        Assert.Equal(1.5, vtAfter.GetProperty("points").GetDouble());
        var notes = Contributions(after).Where(c => c.GetProperty("source").GetString() == "history").Select(c => c.GetProperty("note").GetString()).ToList();
        Assert.Contains("seen in 2 earlier alerts/cases: false-positive ×2", notes);
        Assert.Contains("seen in 2 earlier alerts of this type and source: false-positive ×2", notes);

        // The observable's own score says the same, and the first alert's resolution does not count for itself.
        var observable = after.GetProperty("observables")[0];
        Assert.Equal("seen in 2 earlier alerts/cases: false-positive ×2", observable.GetProperty("history").GetString());
        var own = await client.GetAsync($"/api/v1/observables/{observable.GetProperty("id").GetInt64()}/score?of=alert").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(observable.GetProperty("score").GetInt32(), own.GetProperty("score").GetInt32());
        var alertView = await client.GetAsync($"/api/v1/alerts/{third}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("seen in 2 earlier alerts/cases: false-positive ×2", alertView.GetProperty("observables")[0].GetProperty("history").GetString());
        var firstAgain = await ScoreAsync(client, first);
        Assert.Contains("seen in 1 earlier alerts/cases: false-positive ×1", firstAgain.GetRawText());
    }

    [Fact]
    public async Task A_bad_verdict_or_allowlist_entry_is_a_400_naming_the_field_and_nothing_is_written()
    {
        var (client, vt) = await TenantAsync();
        await using var replay = vt;
        using var http = client;
        var source = TestAlerts.NewSource();
        var alert = await AnalyzedAlertAsync(client, source);

        var problem = await ResolveAsync(client, alert, new { verdict = "maybe" }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("verdict", out var e), problem.GetRawText());
        Assert.Contains("true-positive, false-positive, benign", e[0].GetString());
        problem = await ResolveAsync(client, alert, new { verdict = "benign", allowlist = new[] { new { dataType = "colour", data = "x" } } })
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("allowlist[0].dataType", out _), problem.GetRawText());
        await ResolveAsync(client, alert, new { comment = "no verdict" }).ExpectProblemAsync(HttpStatusCode.BadRequest);

        var later = await AnalyzedAlertAsync(client, source);
        var score = await ScoreAsync(client, later);
        Assert.DoesNotContain(Contributions(score), c => c.GetProperty("source").GetString() == "history");
        Assert.Equal(0.5, Contributions(score).Single(c => c.GetProperty("source").GetString() == "virustotal").GetProperty("reliability").GetDouble());
        var decisions = await server.Db.ReadAsync(c => c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM score_decisions d JOIN alerts a ON a.id = d.owner_id AND d.owner_kind = 'alert' WHERE a.source = @source", new { source }));
        Assert.Equal(0, decisions);
    }

    [Fact]
    public async Task Another_organisation_can_neither_resolve_nor_see_the_score()
    {
        var (client, vt) = await TenantAsync();
        await using var replay = vt;
        using var http = client;
        var alert = await AnalyzedAlertAsync(client, TestAlerts.NewSource());
        using var other = server.Client(await server.CreateOtherOrganisationKeyAsync());

        await ResolveAsync(other, alert, new { verdict = "false-positive" }).ExpectProblemAsync(HttpStatusCode.NotFound);
        await other.GetAsync($"/api/v1/alerts/{alert}/score").ExpectProblemAsync(HttpStatusCode.NotFound);
        var decisions = await server.Db.ReadAsync(c => c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM score_decisions WHERE owner_kind = 'alert' AND owner_id = @alert", new { alert }));
        Assert.Equal(0, decisions);
    }

    [Fact]
    public async Task An_allowlisted_value_scores_as_strongly_safe_with_the_reason_until_it_expires()
    {
        var (client, vt) = await TenantAsync();
        await using var replay = vt;
        using var http = client;
        var first = await AnalyzedAlertAsync(client, TestAlerts.NewSource());
        var expires = DateTimeOffset.UtcNow.AddDays(30);
        await ResolveAsync(client, first, new
        {
            verdict = "benign",
            comment = "our partner's newsletter",
            allowlist = new[] { new { dataType = "url", data = Url, expiresAt = expires.ToString("O") } },
        }).ExpectAsync(HttpStatusCode.OK);

        var other = await AnalyzedAlertAsync(client, TestAlerts.NewSource());
        var score = await ScoreAsync(client, other);
        var allow = Contributions(score).Single(c => c.GetProperty("source").GetString() == "allowlist");
        Assert.Equal(-8.0, allow.GetProperty("points").GetDouble());
        Assert.Contains("our partner's newsletter", allow.GetProperty("note").GetString());
        Assert.Equal("safe", score.GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task Closing_a_case_with_a_resolution_records_the_decision_and_the_resolve_endpoint_takes_the_contracts_resolution()
    {
        var (client, vt) = await TenantAsync();
        await using var replay = vt;
        using var http = client;
        var byPatch = (await client.PostAsJsonAsync("/api/v1/cases", new { title = "phish", observables = new[] { new { dataType = "url", data = Url } } })
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        await client.PatchAsJsonAsync($"/api/v1/cases/{byPatch}", new { status = "resolved", resolution = "true-positive" }).ExpectAsync(HttpStatusCode.OK);
        var byResolve = (await client.PostAsJsonAsync("/api/v1/cases", new { title = "phish 2", observables = new[] { new { dataType = "url", data = Url } } })
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var answer = await client.PostAsJsonAsync($"/api/v1/cases/{byResolve}/resolve", new { resolution = "true-positive" }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("true-positive", answer.GetProperty("verdict").GetString());
        var view = await client.GetAsync($"/api/v1/cases/{byResolve}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("resolved", "true-positive"), (view.GetProperty("status").GetString(), view.GetProperty("resolution").GetString()));

        var alert = await AnalyzedAlertAsync(client, TestAlerts.NewSource());
        var score = await ScoreAsync(client, alert);
        Assert.Contains(Contributions(score), c => c.TryGetProperty("note", out var n) && n.GetString() == "seen in 2 earlier alerts/cases: true-positive ×2");
        Assert.Equal("malicious", score.GetProperty("verdict").GetString());
    }
}

public sealed class LearningTestsOnSqlite(EnrichmentSqliteServer server) : LearningTests(server), IClassFixture<EnrichmentSqliteServer>;

public sealed class LearningTestsOnPostgres(EnrichmentPostgresServer server) : LearningTests(server), IClassFixture<EnrichmentPostgresServer>;
