using Dapper;
using Microsoft.Extensions.Options;
using Quell.Alerts;
using Quell.Audit;
using Quell.Enrichment;
using Quell.Observables;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Alerts;

/// <summary>
/// <see cref="AlertStore.UpsertManyAsync"/> (a retro-hunt's alerts in multi-row statements) stores what one
/// <see cref="AlertStore.UpsertAsync"/> per alert stores: rows, tags, observables, audit entries on an intact chain;
/// existing source references and repeats within the list are updated, not duplicated.
/// </summary>
public abstract class AlertBatchUpsertTests(Dialect dialect)
{
    const string Source = "batch-test";

    static AlertInput Input(string sourceRef, string title, params string[] tags) => new()
    {
        Type = "retro-hunt",
        Source = Source,
        SourceRef = sourceRef,
        Title = title,
        Description = "d " + title,
        Severity = 3,
        Tags = tags,
        FirstEvidenceAt = 1_000 + sourceRef.Length,
        Raw = $$"""{"ref":"{{sourceRef}}"}""",
        Observables =
        [
            new ObservableInput { DataType = "domain", Data = "c2.example", Ioc = true, Sighted = true, Tags = ["quell:intel"] },
            new ObservableInput { DataType = "hostname", Data = "host-" + sourceRef, Message = "the asset" },
        ],
    };

    [Fact]
    public async Task A_batch_creates_new_alerts_updates_existing_ones_and_keeps_the_audit_chain()
    {
        await using var store = await TestStore.CreateAsync(dialect);
        var db = store.Db;
        var org = await db.WriteAsync((c, tx) => c.ExecuteScalarAsync<long>("INSERT INTO organisations (name, created_at) VALUES ('o1', 0) RETURNING id", transaction: tx));
        var audit = new AuditLog(db, store.Time);
        var alerts = new AlertStore(audit, db, new AutoEnrichment(db, new AnalyzerCatalogue([]),
            new EnrichmentQueue(store.Queue(), Options.Create(new EnrichmentOptions()))));
        var existing = await db.WriteAsync((c, tx) => alerts.UpsertAsync(c, tx, org, Input("ref-5", "before"), "test", 10));

        // 70 references (more than two statements' worth), one of them stored already, and ref-3 twice.
        var inputs = Enumerable.Range(0, 70).Select(i => Input($"ref-{i}", $"alert {i}", "quell:intel", $"n:{i}")).Append(Input("ref-3", "again", "extra")).ToList();
        var results = await db.WriteAsync((c, tx) => alerts.UpsertManyAsync(c, tx, org, inputs, "test", 20));

        Assert.Equal(71, results.Count);
        Assert.Equal(new AlertStore.UpsertResult(existing.Id, false), results[5]);
        Assert.Equal(new AlertStore.UpsertResult(results[3].Id, false), results[70]);
        Assert.True(results[3].Created);
        Assert.Equal(69, results.Count(r => r.Created));
        Assert.Equal(70, results.Select(r => r.Id).Distinct().Count());

        await db.ReadAsync(async c =>
        {
            Assert.Equal(70, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM alerts WHERE org_id = @org AND source = @Source", new { org, Source }));
            foreach (var i in new[] { 0, 3, 5, 42, 69 })
            {
                var id = results[i].Id;
                var row = await c.QuerySingleAsync<(string Title, long ObservableCount, long FirstEvidenceAt, string Status, string Raw)>(
                    "SELECT title, observable_count, first_evidence_at, status, raw FROM alerts WHERE id = @id", new { id });
                Assert.Equal((i == 3 ? "again" : $"alert {i}", 2L, 1_000L + $"ref-{i}".Length, "new", $$"""{"ref":"ref-{{i}}"}"""), row);
                var tags = (await c.QueryAsync<string>("SELECT tag FROM alert_tags WHERE alert_id = @id ORDER BY tag", new { id })).ToList();
                Assert.Equal(new[] { i == 3 ? "extra" : null, $"n:{i}", "quell:intel" }.OfType<string>().Order(StringComparer.Ordinal), tags);
                var observables = (await c.QueryAsync<(string, string)>("SELECT data_type, data FROM alert_observables WHERE alert_id = @id ORDER BY data_type", new { id })).ToList();
                Assert.Equal([("domain", "c2.example"), ("hostname", $"host-ref-{i}")], observables);
            }
            var actions = (await c.QueryAsync<(string, long)>("SELECT action, COUNT(*) FROM audit_log WHERE org_id = @org GROUP BY action ORDER BY action", new { org })).ToList();
            Assert.Equal([("alert.create", 70L), ("alert.update", 2L)], actions);
            return 0;
        });
        Assert.True((await audit.VerifyAsync()).Valid);
    }
}

public sealed class AlertBatchUpsertTestsOnSqlite() : AlertBatchUpsertTests(Dialect.Sqlite);

public sealed class AlertBatchUpsertTestsOnPostgres() : AlertBatchUpsertTests(Dialect.Postgres);
