using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Quell.Alerts;
using Quell.Audit;
using Quell.Detection;
using Quell.Enrichment;
using Quell.Events;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Detection;

/// <summary>The retro-hunt's cursor over a store without a server: with no event stored it passes new indicators in one step.</summary>
public abstract class RetroHuntCursorTests(Dialect dialect)
{
    [Fact]
    public async Task Without_stored_events_the_cursor_passes_new_indicators_in_one_step_and_pages_again_once_events_exist()
    {
        await using var store = await TestStore.CreateAsync(dialect);
        var db = store.Db;
        var org = await db.WriteAsync((c, tx) => c.ExecuteScalarAsync<long>("INSERT INTO organisations (name, created_at) VALUES ('o1', 0) RETURNING id", transaction: tx));
        var events = new EventStore(db, store.Time, Options.Create(new EventOptions()));
        var alerts = new AlertStore(new AuditLog(db, store.Time), db, new AutoEnrichment(db, new AnalyzerCatalogue([]),
            new EnrichmentQueue(store.Queue(), Options.Create(new EnrichmentOptions()))));
        var hunt = new RetroHunt(events, alerts, store.Time, Options.Create(new DetectionOptions()), NullLogger<RetroHunt>.Instance);

        var before = new List<long>();
        for (var i = 0; i < 3; i++)
            before.Add(await IndicatorAsync(db, org, $"early-{i}.example"));
        Assert.Equal(0, await hunt.HuntAsync(CancellationToken.None));
        Assert.Equal(before.Max(), await CursorAsync(db));

        // Once events are stored, a new indicator is read and hunted again (a page of one).
        using (var doc = JsonDocument.Parse("""{"destination":{"domain":"late.example"}}"""))
            await events.AppendAsync(new EventOrigin(org, "proxy"), [EventNormalizer.Normalize(doc.RootElement, doc.RootElement.GetRawText())], CancellationToken.None);
        var late = await IndicatorAsync(db, org, "late.example");
        Assert.Equal(1, await hunt.HuntAsync(CancellationToken.None));
        Assert.Equal(late, await CursorAsync(db));
        Assert.Equal(0, await hunt.HuntAsync(CancellationToken.None));
    }

    static Task<long> CursorAsync(Db db) =>
        db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT last_indicator_id FROM retro_hunt_cursor WHERE one = 1"));

    static Task<long> IndicatorAsync(Db db, long org, string domain) =>
        db.WriteAsync((c, tx) => c.ExecuteScalarAsync<long>("""
            INSERT INTO indicators (org_id, type, value, kind, category, to_ids, tlp, tags, created_at, updated_at)
            VALUES (@org, 'domain', @domain, 'domain', 'Network activity', @yes, 2, '[]', 0, 0) RETURNING id
            """, new { org, domain, yes = true }, tx));
}

public sealed class RetroHuntCursorTestsOnSqlite() : RetroHuntCursorTests(Dialect.Sqlite);

public sealed class RetroHuntCursorTestsOnPostgres() : RetroHuntCursorTests(Dialect.Postgres);
