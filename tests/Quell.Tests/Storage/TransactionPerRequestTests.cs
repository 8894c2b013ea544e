using System.Net;
using Dapper;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Storage;

/// <summary>
/// One transaction per request: a request that fails half-way writes nothing, neither rows nor audit entries. Failures
/// in the store itself are injected with a trigger that refuses one observable value.
/// </summary>
public abstract class TransactionPerRequestTests(TestServer server)
{
    const string Poison = "poison.example";

    async Task InstallPoisonTriggersAsync()
    {
        var sql = server.Dialect == Dialect.Postgres
            ? $"""
              CREATE OR REPLACE FUNCTION test_poison() RETURNS trigger AS $$
              BEGIN IF NEW.data = '{Poison}' THEN RAISE EXCEPTION 'injected store failure'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql;
              DROP TRIGGER IF EXISTS test_poison_alert ON alert_observables;
              DROP TRIGGER IF EXISTS test_poison_case ON case_observables;
              CREATE TRIGGER test_poison_alert BEFORE INSERT ON alert_observables FOR EACH ROW EXECUTE FUNCTION test_poison();
              CREATE TRIGGER test_poison_case BEFORE INSERT ON case_observables FOR EACH ROW EXECUTE FUNCTION test_poison();
              """
            : $"""
              CREATE TRIGGER IF NOT EXISTS test_poison_alert BEFORE INSERT ON alert_observables WHEN NEW.data = '{Poison}'
              BEGIN SELECT RAISE(ABORT, 'injected store failure'); END;
              CREATE TRIGGER IF NOT EXISTS test_poison_case BEFORE INSERT ON case_observables WHEN NEW.data = '{Poison}'
              BEGIN SELECT RAISE(ABORT, 'injected store failure'); END;
              """;
        await server.Db.WriteAsync((c, tx) => c.ExecuteAsync(sql, transaction: tx));
    }

    Task<(long Alerts, long Cases, long Audit, long NextCaseNumber)> CountsAsync() =>
        server.Db.ReadAsync(async c => (
            await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM alerts"),
            await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM cases"),
            await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log"),
            await c.ExecuteScalarAsync<long>("SELECT next_case_number FROM organisations WHERE name = 'default'")));

    [Fact]
    public async Task A_bulk_whose_last_item_is_invalid_writes_nothing_and_names_the_item()
    {
        using var client = server.Client();
        var source = TestAlerts.NewSource();
        var before = await CountsAsync();
        var items = new[] { TestAlerts.Alert(source), TestAlerts.Alert(source), TestAlerts.Alert(source, severity: 9) };

        var problem = await client.BulkAsync(items, HttpStatusCode.BadRequest);

        Assert.Equal(["[2].severity must be 1-4"], problem.GetProperty("errors").GetProperty("[2].severity").Strings());
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task A_bulk_whose_last_item_fails_in_the_store_rolls_back_the_items_before_it()
    {
        await InstallPoisonTriggersAsync();
        using var client = server.Client();
        var source = TestAlerts.NewSource();
        var before = await CountsAsync();
        var items = new[]
        {
            TestAlerts.Alert(source, observables: [("domain", "fine.example")]),
            TestAlerts.Alert(source),
            TestAlerts.Alert(source, observables: [("domain", Poison)]),
        };

        var response = await client.PostAsync("/api/v1/alerts/_bulk", System.Net.Http.Json.JsonContent.Create(items));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(before, await CountsAsync());
        Assert.Empty(await client.IdsAsync($"source={source}"));
    }

    [Fact]
    public async Task A_promote_that_fails_after_creating_the_case_leaves_no_case_and_an_untouched_alert()
    {
        using var client = server.Client();
        var id = await client.CreateAlertAsync(TestAlerts.Alert(TestAlerts.NewSource(), observables: [("domain", Poison + ".alert")]));
        // The alert's observable is renamed under the trigger's nose: inserting it into the case then fails.
        await server.Db.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE alert_observables SET data = @Poison WHERE alert_id = @id", new { Poison, id }, tx));
        await InstallPoisonTriggersAsync();
        var before = await CountsAsync();

        var response = await client.PostAsync($"/api/v1/alerts/{id}/case", null);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(before, await CountsAsync());
        var alert = await client.GetAsync($"/api/v1/alerts/{id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("new", alert.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, alert.GetProperty("caseId").ValueKind);
    }

    [Fact]
    public async Task A_promote_to_a_missing_template_is_a_400_naming_it_and_writes_nothing()
    {
        using var client = server.Client();
        var id = await client.CreateAlertAsync(TestAlerts.Alert(TestAlerts.NewSource()));
        var before = await CountsAsync();

        var problem = await client.PostJsonAsync($"/api/v1/alerts/{id}/case", """{"caseTemplate":"no-such-template"}""").ExpectAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["caseTemplate 'no-such-template' does not exist"], problem.GetProperty("errors").GetProperty("caseTemplate").Strings());
        Assert.Equal(before, await CountsAsync());
        Assert.Equal("new", (await client.GetAsync($"/api/v1/alerts/{id}").ExpectAsync(HttpStatusCode.OK)).GetProperty("status").GetString());
    }
}

public sealed class TransactionPerRequestTestsOnSqlite(SqliteServer server) : TransactionPerRequestTests(server), IClassFixture<SqliteServer>;

public sealed class TransactionPerRequestTestsOnPostgres(PostgresServer server) : TransactionPerRequestTests(server), IClassFixture<PostgresServer>;
