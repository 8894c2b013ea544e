using System.Net;
using System.Text.Json;
using Dapper;
using Quell.Tests.Support;

namespace Quell.Tests.Alerts;

/// <summary>What analysts do with alerts: flags, similar items, promote to a case, merge into a case.</summary>
public abstract class AlertTriageTests(TestServer server)
{
    static async Task<JsonElement> FlagAsync(HttpClient client, long id, string flag) =>
        await client.PostAsync($"/api/v1/alerts/{id}/{flag}", null).ExpectAsync(HttpStatusCode.OK);

    static async Task<JsonElement> PromoteAsync(HttpClient client, long id, HttpStatusCode expected = HttpStatusCode.Created) =>
        await client.PostAsync($"/api/v1/alerts/{id}/case", null).ExpectAsync(expected);

    static async Task<JsonElement> CaseAsync(HttpClient client, long id) =>
        await client.GetAsync($"/api/v1/cases/{id}").ExpectAsync(HttpStatusCode.OK);

    [Fact]
    public async Task Read_unread_ignore_and_unignore_set_the_flags_and_are_audited()
    {
        using var client = server.Client();
        var id = await client.CreateAlertAsync(TestAlerts.Alert(TestAlerts.NewSource()));

        var read = await FlagAsync(client, id, "read");
        Assert.True(read.GetProperty("read").GetBoolean());
        Assert.Equal("new", read.GetProperty("status").GetString());
        var unread = await FlagAsync(client, id, "unread");
        Assert.False(unread.GetProperty("read").GetBoolean());
        var ignored = await FlagAsync(client, id, "ignore");
        Assert.Equal("ignored", ignored.GetProperty("status").GetString());
        Assert.False(ignored.GetProperty("read").GetBoolean());
        Assert.Equal("new", (await FlagAsync(client, id, "unignore")).GetProperty("status").GetString());
        // Setting a flag that is already set changes nothing and writes no audit entry.
        await FlagAsync(client, id, "unignore");

        var actions = await server.Db.ReadAsync(c => c.QueryAsync<string>(
            "SELECT action FROM audit_log WHERE entity_type = 'alert' AND entity_id = @id ORDER BY id", new { id = id.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        Assert.Equal(["alert.create", "alert.read", "alert.unread", "alert.ignore", "alert.unignore"], actions);
    }

    [Fact]
    public async Task An_ignored_alert_stays_ignored_when_its_source_sends_it_again()
    {
        using var client = server.Client();
        var alert = TestAlerts.Alert(TestAlerts.NewSource());
        var id = await client.CreateAlertAsync(alert);
        await FlagAsync(client, id, "ignore");
        var again = await client.PostAlertAsync(alert, HttpStatusCode.OK);
        Assert.Equal("ignored", again.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("read")]
    [InlineData("unread")]
    [InlineData("ignore")]
    [InlineData("unignore")]
    [InlineData("case")]
    [InlineData("similar")]
    public async Task Actions_on_a_missing_alert_are_404(string action)
    {
        using var client = server.Client();
        var response = action == "similar" ? await client.GetAsync("/api/v1/alerts/99999999/similar") : await client.PostAsync($"/api/v1/alerts/99999999/{action}", null);
        var problem = await response.ExpectAsync(HttpStatusCode.NotFound);
        Assert.Equal("alert 99999999 does not exist", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Similar_lists_alerts_and_cases_sharing_observables_with_counts_per_data_type()
    {
        using var client = server.Client();
        var source = TestAlerts.NewSource();
        // Values unique to this test so that other tests' alerts never share them.
        var ip = $"198.18.{Random.Shared.Next(256)}.{Random.Shared.Next(256)}";
        var domain = $"{Guid.NewGuid():N}.example";
        var hash = Guid.NewGuid().ToString("N");
        var a = await client.CreateAlertAsync(TestAlerts.Alert(source, observables: [("ip", ip), ("domain", domain), ("hash", hash), ("other", "unshared " + hash)]));
        var b = await client.CreateAlertAsync(TestAlerts.Alert(source, severity: 4, title: "shares ip and domain", observables: [("ip", ip), ("domain", domain.ToUpperInvariant())]));
        var c = await client.CreateAlertAsync(TestAlerts.Alert(source, observables: [("hash", hash)]));
        await client.CreateAlertAsync(TestAlerts.Alert(source, observables: [("domain", "unrelated-" + domain), ("hostname", domain)]));
        var caseId = (await PromoteAsync(client, c)).GetProperty("id").GetInt64();

        var similar = await client.GetAsync($"/api/v1/alerts/{a}/similar").ExpectAsync(HttpStatusCode.OK);

        var alerts = similar.GetProperty("alerts").EnumerateArray().ToList();
        Assert.Equal([b, c], alerts.Select(x => x.GetProperty("id").GetInt64()));
        Assert.Equal(2, alerts[0].GetProperty("sharedCount").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["ip"] = 1, ["domain"] = 1 }, alerts[0].GetProperty("sharedByType").Deserialize<Dictionary<string, int>>());
        Assert.Equal("shares ip and domain", alerts[0].GetProperty("title").GetString());
        Assert.Equal(4, alerts[0].GetProperty("severity").GetInt32());
        Assert.Equal("imported", alerts[1].GetProperty("status").GetString());
        var cases = similar.GetProperty("cases").EnumerateArray().ToList();
        var sharedCase = Assert.Single(cases);
        Assert.Equal(caseId, sharedCase.GetProperty("id").GetInt64());
        Assert.Equal(new Dictionary<string, int> { ["hash"] = 1 }, sharedCase.GetProperty("sharedByType").Deserialize<Dictionary<string, int>>());
        Assert.True(sharedCase.GetProperty("number").GetInt64() > 0);
    }

    [Fact]
    public async Task A_value_held_by_more_than_the_limit_is_listed_as_too_common_and_left_out_of_the_comparison()
    {
        using var client = server.Client();
        var source = TestAlerts.NewSource();
        var agent = "Mozilla/5.0 test-agent " + Guid.NewGuid().ToString("N");
        var domain = $"{Guid.NewGuid():N}.example";
        // Similarity.CommonAbove + 1 alerts carry the agent, so it is over the limit for every one of them.
        var holders = Enumerable.Range(0, Quell.Alerts.Similarity.CommonAbove + 1)
            .Select(_ => TestAlerts.Alert(source, observables: [("user-agent", agent)])).ToArray();
        await client.BulkAsync(holders[..^1]);
        var a = await client.CreateAlertAsync(TestAlerts.Alert(source, observables: [("user-agent", agent), ("domain", domain)]));
        var b = await client.CreateAlertAsync(TestAlerts.Alert(source, observables: [("user-agent", agent), ("domain", domain)]));

        var similar = await client.GetAsync($"/api/v1/alerts/{a}/similar").ExpectAsync(HttpStatusCode.OK);

        var only = Assert.Single(similar.GetProperty("alerts").EnumerateArray());
        Assert.Equal(b, only.GetProperty("id").GetInt64());
        Assert.Equal(new Dictionary<string, int> { ["domain"] = 1 }, only.GetProperty("sharedByType").Deserialize<Dictionary<string, int>>());
        var common = Assert.Single(similar.GetProperty("tooCommon").EnumerateArray());
        Assert.Equal(("user-agent", agent, "alerts"), (common.GetProperty("dataType").GetString(), common.GetProperty("data").GetString(), common.GetProperty("kind").GetString()));
    }

    [Fact]
    public async Task Promote_creates_a_case_with_the_alerts_observables_and_dates_and_a_second_promote_is_409()
    {
        using var client = server.Client();
        var body = new Dictionary<string, object?>(TestAlerts.Alert(TestAlerts.NewSource(), severity: 3, title: "Credential phish", date: "2025-05-05T05:05:05Z",
            tags: ["phishing"], observables: [("url", "https://login.example/x"), ("mail", "Boss@Example.org")]))
        {
            ["firstEvidenceAt"] = "2025-05-04T00:00:00Z",
            ["tlp"] = "RED",
            ["description"] = "reported by user",
        };
        var alertId = await client.CreateAlertAsync(body);

        var response = await client.PostAsync($"/api/v1/alerts/{alertId}/case", null);
        var created = await response.ExpectAsync(HttpStatusCode.Created);
        var caseId = created.GetProperty("id").GetInt64();
        Assert.Equal($"/api/v1/cases/{caseId}", response.Headers.Location?.OriginalString);
        var number = created.GetProperty("number").GetInt64();
        Assert.True(number > 0);

        var @case = await CaseAsync(client, caseId);
        Assert.Equal(number, @case.GetProperty("number").GetInt64());
        Assert.Equal("Credential phish", @case.GetProperty("title").GetString());
        Assert.Equal("reported by user", @case.GetProperty("description").GetString());
        Assert.Equal(3, @case.GetProperty("severity").GetInt32());
        Assert.Equal("RED", @case.GetProperty("tlp").GetString());
        Assert.Equal(["phishing"], @case.GetProperty("tags").Strings());
        Assert.Equal(DateTimeOffset.Parse("2025-05-05T05:05:05Z"), @case.GetProperty("detectedAt").GetDateTimeOffset());
        Assert.Equal(DateTimeOffset.Parse("2025-05-04T00:00:00Z"), @case.GetProperty("firstEvidenceAt").GetDateTimeOffset());
        Assert.Equal([("mail", "boss@example.org"), ("url", "https://login.example/x")], @case.Observables());
        Assert.Equal([alertId], @case.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("id").GetInt64()));

        var alert = await client.GetAsync($"/api/v1/alerts/{alertId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("imported", alert.GetProperty("status").GetString());
        Assert.Equal(caseId, alert.GetProperty("caseId").GetInt64());
        Assert.True(alert.GetProperty("read").GetBoolean());

        var conflict = await PromoteAsync(client, alertId, HttpStatusCode.Conflict);
        Assert.Contains($"already linked to case {caseId}", conflict.GetProperty("detail").GetString());
        await client.GetAsync($"/api/v1/cases/number/{number + 1}").ExpectAsync(HttpStatusCode.NotFound);
        Assert.Equal("imported", (await FlagAsync(client, alertId, "unignore")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Promote_applies_a_case_template_given_by_name()
    {
        using var client = server.Client();
        var name = "tpl-" + Guid.NewGuid().ToString("N")[..8];
        await server.Db.WriteAsync((c, tx) => c.ExecuteAsync("""
            INSERT INTO case_templates (org_id, name, title_prefix, tags, tasks, custom_fields, created_at, updated_at)
            SELECT id, @name, '[Phishing]', '["from-template"]', '[{"title":"Pull the mail"},{"title":"Block the sender","group":"containment"}]', '{}', 0, 0
            FROM organisations WHERE name = 'default'
            """, new { name }, tx));
        var alertId = await client.CreateAlertAsync(TestAlerts.Alert(TestAlerts.NewSource(), title: "Reported mail", tags: ["user-report"]));

        var created = await client.PostJsonAsync($"/api/v1/alerts/{alertId}/case", $$"""{"caseTemplate":"{{name}}"}""").ExpectAsync(HttpStatusCode.Created);

        var @case = await CaseAsync(client, created.GetProperty("id").GetInt64());
        Assert.Equal("[Phishing] Reported mail", @case.GetProperty("title").GetString());
        Assert.Equal(["from-template", "user-report"], @case.GetProperty("tags").Strings().Order());
        Assert.Equal(["Pull the mail", "Block the sender"], @case.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("title").GetString()));
    }

    [Fact]
    public async Task Merge_links_an_alert_to_a_case_without_duplicating_observables_and_refuses_a_linked_alert()
    {
        using var client = server.Client();
        var source = TestAlerts.NewSource();
        var first = await client.CreateAlertAsync(TestAlerts.Alert(source, date: "2025-06-02T00:00:00Z", observables: [("ip", "192.0.2.10"), ("domain", "merge.example")]));
        var caseId = (await PromoteAsync(client, first)).GetProperty("id").GetInt64();
        var second = await client.CreateAlertAsync(TestAlerts.Alert(source, date: "2025-06-01T00:00:00Z", observables: [("domain", "MERGE.example"), ("url", "https://merge.example/a")]));

        var merged = await client.PostAsync($"/api/v1/alerts/{second}/merge/{caseId}", null).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(caseId, merged.GetProperty("id").GetInt64());

        var @case = await CaseAsync(client, caseId);
        Assert.Equal([("domain", "merge.example"), ("ip", "192.0.2.10"), ("url", "https://merge.example/a")], @case.Observables());
        Assert.Equal(DateTimeOffset.Parse("2025-06-01T00:00:00Z"), @case.GetProperty("detectedAt").GetDateTimeOffset());
        Assert.Equal([first, second], @case.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("id").GetInt64()).Order());
        var alert = await client.GetAsync($"/api/v1/alerts/{second}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("imported", alert.GetProperty("status").GetString());
        Assert.Equal(caseId, alert.GetProperty("caseId").GetInt64());

        var again = await client.PostAsync($"/api/v1/alerts/{second}/merge/{caseId}", null).ExpectAsync(HttpStatusCode.Conflict);
        Assert.Contains("already linked", again.GetProperty("detail").GetString());
        await client.PostAsync($"/api/v1/alerts/{first}/merge/{caseId}", null).ExpectAsync(HttpStatusCode.Conflict);
        var third = await client.CreateAlertAsync(TestAlerts.Alert(source));
        var missingCase = await client.PostAsync($"/api/v1/alerts/{third}/merge/99999999", null).ExpectAsync(HttpStatusCode.NotFound);
        Assert.Equal("case 99999999 does not exist", missingCase.GetProperty("detail").GetString());
        await client.PostAsync($"/api/v1/alerts/99999999/merge/{caseId}", null).ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Reposting_a_promoted_alert_adds_its_new_observables_to_the_case()
    {
        using var client = server.Client();
        var alert = TestAlerts.Alert(TestAlerts.NewSource(), observables: [("ip", "192.0.2.20")]);
        var alertId = await client.CreateAlertAsync(alert);
        var caseId = (await PromoteAsync(client, alertId)).GetProperty("id").GetInt64();

        alert["observables"] = new[] { new { dataType = "ip", data = "192.0.2.20" }, new { dataType = "fqdn", data = "C2.Example" } };
        var updated = await client.PostAlertAsync(alert, HttpStatusCode.OK);
        Assert.Equal(alertId, updated.GetProperty("id").GetInt64());
        Assert.Equal("updated", updated.GetProperty("status").GetString());
        Assert.Equal(caseId, updated.GetProperty("caseId").GetInt64());

        var @case = await CaseAsync(client, caseId);
        Assert.Equal([("fqdn", "c2.example"), ("ip", "192.0.2.20")], @case.Observables());
        var timeline = await server.Db.ReadAsync(c => c.QueryAsync<string>("SELECT kind FROM case_timeline WHERE case_id = @caseId ORDER BY id", new { caseId }));
        Assert.Equal(["case.created", "alert.linked", "alert.updated"], timeline);
    }

    [Fact]
    public async Task A_promoted_case_is_found_by_the_case_list_filters()
    {
        using var client = server.Client();
        var domain = $"{Guid.NewGuid():N}.example";
        var alertId = await client.CreateAlertAsync(TestAlerts.Alert(TestAlerts.NewSource(), severity: 3, observables: [("domain", domain)]));
        var caseId = (await PromoteAsync(client, alertId)).GetProperty("id").GetInt64();

        async Task<long[]> CasesAsync(string query) =>
            (await client.GetAsync($"/api/v1/cases?{query}").ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray()
                .Select(c => c.GetProperty("id").GetInt64()).ToArray();

        Assert.Equal([caseId], await CasesAsync($"observable={domain}&status=new,in-progress&severity=3,4"));
        Assert.Equal([caseId], await CasesAsync($"observable={domain.ToUpperInvariant()}."));
        Assert.Empty(await CasesAsync($"observable={domain}&severity=1,2"));
        Assert.Empty(await CasesAsync($"observable={domain}&status=resolved"));
    }

    [Fact]
    public async Task A_read_only_user_cannot_flag_promote_or_merge()
    {
        var key = await server.CreateUserKeyAsync("read-only");
        using var admin = server.Client();
        using var reader = server.Client(key);
        var id = await admin.CreateAlertAsync(TestAlerts.Alert(TestAlerts.NewSource()));

        await reader.GetAsync($"/api/v1/alerts/{id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync($"/api/v1/alerts/{id}/read", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync($"/api/v1/alerts/{id}/case", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync($"/api/v1/alerts/{id}/merge/1", null)).StatusCode);
        Assert.False((await admin.GetAsync($"/api/v1/alerts/{id}").ExpectAsync(HttpStatusCode.OK)).GetProperty("read").GetBoolean());
    }
}

public sealed class AlertTriageTestsOnSqlite(SqliteServer server) : AlertTriageTests(server), IClassFixture<SqliteServer>;

public sealed class AlertTriageTestsOnPostgres(PostgresServer server) : AlertTriageTests(server), IClassFixture<PostgresServer>;
