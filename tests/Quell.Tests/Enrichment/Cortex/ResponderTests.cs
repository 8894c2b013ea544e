using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Enrichment.Cortex;

/// <summary>Cortex responders run on cases, alerts and observables through the job directory protocol; runs and their operations are stored.</summary>
public abstract class ResponderTests(CortexServer server)
{
    const string Notify = "cortex:Notify_Team";

    async Task<HttpClient> ClientAsync()
    {
        var client = server.Client(await server.CreateOtherOrganisationKeyAsync());
        await client.PutAsJsonAsync($"/api/v1/responders/{Notify}", new { enabled = true, config = new { to = "cert@example.org" } }).ExpectAsync(HttpStatusCode.OK);
        return client;
    }

    static Task<JsonElement> RunAsync(HttpClient client, object body, HttpStatusCode expected = HttpStatusCode.OK) =>
        client.PostAsJsonAsync($"/api/v1/responders/{Notify}/run?wait=true", body).ExpectAsync(expected);

    [Fact]
    public async Task A_responder_on_a_case_gets_the_case_and_its_operations_are_recorded()
    {
        using var client = await ClientAsync();
        var created = await client.CreateCaseAsync("Mailbox compromise");
        var caseId = created.GetProperty("id").GetInt64();

        var run = await RunAsync(client, new { objectType = "case", objectId = caseId });

        Assert.Equal("success", run.GetProperty("status").GetString());
        Assert.Equal("thehive:case", run.GetProperty("objectType").GetString());
        var full = run.GetProperty("full");
        Assert.Equal("notified about Mailbox compromise", full.GetProperty("message").GetString());
        Assert.Equal("thehive:case", full.GetProperty("type").GetString());
        Assert.Equal("cert@example.org", full.GetProperty("to").GetString());
        Assert.Equal("case", full.GetProperty("object").GetProperty("_type").GetString());
        var operation = Assert.Single(run.GetProperty("operations").EnumerateArray());
        Assert.Equal("AddTagToCase", operation.GetProperty("type").GetString());
        Assert.Equal("notified", operation.GetProperty("tag").GetString());

        var stored = await client.GetAsync($"/api/v1/responders/runs/{run.GetProperty("id").GetInt64()}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("success", stored.GetProperty("status").GetString());
        Assert.Equal("AddTagToCase", stored.GetProperty("operations")[0].GetProperty("type").GetString());

        var listed = await client.GetAsync($"/api/v1/responders/runs?objectType=case&objectId={caseId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(run.GetProperty("id").GetInt64(), Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("id").GetInt64());
        var none = await client.GetAsync($"/api/v1/responders/runs?objectType=alert&objectId={caseId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, none.GetProperty("items").GetArrayLength());
        var bad = await client.GetAsync("/api/v1/responders/runs?objectType=ticket&objectId=x").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["objectId", "objectType"], bad.ErrorFields().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_responder_runs_on_an_alert_and_on_an_observable_and_a_failure_keeps_its_message()
    {
        using var client = await ClientAsync();
        var observable = await client.ObservableAsync("domain", "evil.example");

        var onObservable = await RunAsync(client, new { objectType = "thehive:case_artifact", objectId = observable, of = "alert" });
        Assert.Equal("success", onObservable.GetProperty("status").GetString());
        var data = onObservable.GetProperty("full").GetProperty("object");
        Assert.Equal(("case_artifact", "domain", "evil.example"), (data.GetProperty("_type").GetString(), data.GetProperty("dataType").GetString(), data.GetProperty("data").GetString()));

        var alert = TestAlerts.Alert(TestAlerts.NewSource());
        alert["title"] = "fail me";
        var alertId = await client.CreateAlertAsync(alert);
        var failed = await RunAsync(client, new { objectType = "alert", objectId = alertId });
        Assert.Equal("failure", failed.GetProperty("status").GetString());
        Assert.Equal("cortex:Notify_Team failed: the mail server refused", failed.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Bad_requests_name_what_is_wrong_and_store_nothing()
    {
        using var client = server.Client(await server.CreateOtherOrganisationKeyAsync());
        var caseId = (await client.CreateCaseAsync()).GetProperty("id").GetInt64();

        var disabled = await RunAsync(client, new { objectType = "case", objectId = caseId }, HttpStatusCode.Conflict);
        Assert.Contains("is not enabled", disabled.GetProperty("detail").GetString());

        await client.PutAsJsonAsync($"/api/v1/responders/{Notify}", new { enabled = true }).ExpectAsync(HttpStatusCode.OK);
        var bad = await RunAsync(client, new { objectType = "task", objectId = -1 }, HttpStatusCode.BadRequest);
        Assert.Equal(["objectId", "objectType"], bad.ErrorFields().Order(StringComparer.Ordinal));
        await RunAsync(client, new { objectType = "case", objectId = 999999 }, HttpStatusCode.NotFound);
        await client.PostAsJsonAsync("/api/v1/responders/cortex:Nope/run", new { objectType = "case", objectId = caseId }).ExpectAsync(HttpStatusCode.NotFound);

        var list = await client.GetAsync("/api/v1/responders").ExpectAsync(HttpStatusCode.OK);
        var notify = list.GetProperty("items").EnumerateArray().Single(r => r.GetProperty("name").GetString() == Notify);
        Assert.Equal(["thehive:case", "thehive:alert", "thehive:case_artifact"], notify.GetProperty("dataTypes").EnumerateArray().Select(t => t.GetString()));
        Assert.True(notify.GetProperty("enabled").GetBoolean());
    }
}

public sealed class ResponderTestsOnSqlite(CortexSqliteServer server) : ResponderTests(server), IClassFixture<CortexSqliteServer>;

public sealed class ResponderTestsOnPostgres(CortexPostgresServer server) : ResponderTests(server), IClassFixture<CortexPostgresServer>;
