using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Quell.Intel;
using Quell.Intel.Feeds;
using Quell.Intel.Indicators;
using Quell.Intel.Matching;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Matching;

/// <summary>The matcher indexes an import's new rows from the import itself (decision 208), and its catch-up still covers the rest.</summary>
public abstract class IntelIndexImportTests(TestServer server)
{
    static async IAsyncEnumerable<FeedEntry> Entries(IEnumerable<string> domains)
    {
        foreach (var d in domains)
            yield return FeedEntry.Of(new IndicatorRecord { Type = "domain", Value = d });
        await Task.CompletedTask;
    }

    static string[] Domains(string prefix, int n)
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        return [.. Enumerable.Range(0, n).Select(i => $"{prefix}{i}-{run}.example")];
    }

    Task<long> MaxIdAsync() => server.Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COALESCE(MAX(id), 0) FROM indicators"));

    [Fact]
    public async Task An_import_hands_its_new_rows_to_the_matcher_without_a_catch_up()
    {
        var org = (await Tenants.CreateAsync(server)).OrgId;
        var index = new IntelIndex(server.Db, NullLogger<IntelIndex>.Instance);
        await index.CatchUpAsync(reread: false, default);
        var before = index.IndexedUpTo;
        var store = new IndicatorStore(server.Db, TimeProvider.System, stored: index);
        var domains = Domains("fed", IndicatorStore.BatchSize + 10);

        var result = await store.ImportAsync(org, IndicatorSource.Feed(31, "fed"), Entries(domains), new ImportOptions(), default);

        Assert.Equal(domains.Length, result.Added);
        Assert.True(index.IsMatch(org, "www." + domains[0]));
        Assert.True(index.IsMatch(org, domains[^1]));
        // SQLite: the batches continue the watermark, so the catch-up has nothing left to read. PostgreSQL: another
        // transaction's lower id may still commit, so the watermark stays for the catch-up to read the rows again.
        Assert.Equal(server.Db.IsPostgres ? before : await MaxIdAsync(), index.IndexedUpTo);
    }

    [Fact]
    public async Task A_catch_up_indexes_committed_rows_from_the_queue_instead_of_reading_them_back()
    {
        var org = (await Tenants.CreateAsync(server)).OrgId;
        var index = new IntelIndex(server.Db, NullLogger<IntelIndex>.Instance);
        await index.CatchUpAsync(reread: false, default);
        var stored = Domains("stored", 100);
        var plain = new IndicatorStore(server.Db, TimeProvider.System);
        await plain.ImportAsync(org, IndicatorSource.Feed(34, "stored"), Entries(stored), new ImportOptions(), default);
        var ids = (await server.Db.ReadAsync(c => c.QueryAsync<long>(
            "SELECT id FROM indicators WHERE org_id = @org ORDER BY id", new { org }))).ToList();
        // The queue stands in for the import here: its rows carry other values than the store's, so a match says
        // where the catch-up took them from.
        var queued = Domains("queued", ids.Count);
        index.Committed(org, [.. ids.Select((id, i) => new StoredIndicator(id, "domain", queued[i]))]);

        await index.CatchUpAsync(reread: false, default);

        Assert.Equal(0, index.QueuedBatches);
        Assert.True(index.IsMatch(org, queued[0]));
        // SQLite: the queued rows continue the watermark, so the store's rows below the catch-up's re-read window of
        // the newest ids are never read. PostgreSQL: the watermark stays and the catch-up reads them too.
        Assert.Equal(server.Db.IsPostgres, index.IsMatch(org, stored[0]));
        Assert.Equal(await MaxIdAsync(), index.IndexedUpTo);
    }

    [Fact]
    public async Task Rows_stored_before_the_matcher_caught_up_are_left_to_the_catch_up()
    {
        var org = (await Tenants.CreateAsync(server)).OrgId;
        var earlier = Domains("earlier", 3);
        var plain = new IndicatorStore(server.Db, TimeProvider.System);
        await plain.ImportAsync(org, IndicatorSource.Feed(32, "earlier"), Entries(earlier), new ImportOptions(), default);
        var index = new IntelIndex(server.Db, NullLogger<IntelIndex>.Instance);
        var store = new IndicatorStore(server.Db, TimeProvider.System, stored: index);
        var later = Domains("later", 3);

        await store.ImportAsync(org, IndicatorSource.Feed(33, "later"), Entries(later), new ImportOptions(), default);

        Assert.True(index.IsMatch(org, later[1]));
        Assert.False(index.IsMatch(org, earlier[1]));
        Assert.Equal(0, index.IndexedUpTo);
        await index.CatchUpAsync(reread: false, default);
        Assert.True(index.IsMatch(org, earlier[1]));
        Assert.Equal(await MaxIdAsync(), index.IndexedUpTo);
    }
}

public sealed class IntelIndexImportTestsOnSqlite(SqliteServer server) : IntelIndexImportTests(server), IClassFixture<SqliteServer>;

public sealed class IntelIndexImportTestsOnPostgres(PostgresServer server) : IntelIndexImportTests(server), IClassFixture<PostgresServer>;
