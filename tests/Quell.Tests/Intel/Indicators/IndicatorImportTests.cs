using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Quell.Intel;
using Quell.Intel.Feeds;
using Quell.Intel.Indicators;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Indicators;

/// <summary>The store's import contract (IIndicatorImport) on a real store: merging, sources, snapshots, bad records.</summary>
public abstract class IndicatorImportTests(TestServer server)
{
    IIndicatorImport Import => server.Services.GetRequiredService<IIndicatorImport>();

    static async IAsyncEnumerable<FeedEntry> Entries(params FeedEntry[] entries)
    {
        foreach (var e in entries)
            yield return e;
        await Task.CompletedTask;
    }

    static FeedEntry Ind(string type, string value, params string[] tags) =>
        FeedEntry.Of(new IndicatorRecord { Type = type, Value = value, Tags = tags });

    async Task<List<(long Id, string Type, string Value, string Tags)>> IndicatorsAsync(long orgId) =>
        (await server.Db.ReadAsync(c => c.QueryAsync<(long, string, string, string)>(
            "SELECT id, type, value, tags FROM indicators WHERE org_id = @orgId ORDER BY id", new { orgId }))).AsList();

    async Task<List<string>> SourcesOfAsync(long indicatorId) =>
        (await server.Db.ReadAsync(c => c.QueryAsync<string>(
            "SELECT source_key FROM indicator_sources WHERE indicator_id = @indicatorId ORDER BY source_key", new { indicatorId }))).AsList();

    [Fact]
    public async Task Defanged_and_canonical_forms_of_one_url_become_one_indicator()
    {
        var org = (await Tenants.CreateAsync(server)).OrgId;
        var result = await Import.ImportAsync(org, new IndicatorSource("import", "paste"),
            Entries(Ind("url", "HXXP://Evil[.]example"), Ind("url", "http://evil.example/")), new ImportOptions(), default);

        var rows = await IndicatorsAsync(org);
        var row = Assert.Single(rows);
        Assert.Equal("http://evil.example/", row.Value);
        Assert.Equal((1, 0, 0), (result.Added, result.Updated, result.Rejected));
    }

    [Fact]
    public async Task A_second_source_is_linked_to_the_same_indicator_and_its_tags_are_merged()
    {
        var org = (await Tenants.CreateAsync(server)).OrgId;
        var first = await Import.ImportAsync(org, IndicatorSource.Feed(1, "one"), Entries(Ind("domain", "Evil.Example.", "tlp:green")), new ImportOptions(), default);
        var second = await Import.ImportAsync(org, IndicatorSource.Feed(2, "two"), Entries(Ind("domain", "evil.example", "malware")), new ImportOptions(), default);
        var again = await Import.ImportAsync(org, IndicatorSource.Feed(2, "two"), Entries(Ind("domain", "evil.example", "malware")), new ImportOptions(), default);

        var row = Assert.Single(await IndicatorsAsync(org));
        Assert.Equal("evil.example", row.Value);
        Assert.Equal("""["tlp:green","malware"]""", row.Tags);
        Assert.Equal(["feed:1", "feed:2"], await SourcesOfAsync(row.Id));
        Assert.Equal((1, 0), (first.Added, first.Updated));
        Assert.Equal((1, 0), (second.Added, second.Updated));
        Assert.Equal((0, 1), (again.Added, again.Updated));
        var tlp = await server.Db.ReadAsync(c => c.ExecuteScalarAsync<int>("SELECT tlp FROM indicators WHERE id = @id", new { id = row.Id }));
        Assert.Equal((int)Quell.Observables.Tlp.Green, tlp);
    }

    [Fact]
    public async Task A_full_snapshot_unlinks_what_the_source_no_longer_lists_and_keeps_what_others_hold()
    {
        var org = (await Tenants.CreateAsync(server)).OrgId;
        var feed = IndicatorSource.Feed(7, "list");
        await Import.ImportAsync(org, feed, Entries(Ind("ip-dst", "192.0.2.1"), Ind("ip-dst", "192.0.2.2"), Ind("ip-dst", "192.0.2.3")), new ImportOptions(FullSnapshot: true), default);
        await Import.ImportAsync(org, new IndicatorSource("user", "alice"), Entries(Ind("ip-dst", "192.0.2.2")), new ImportOptions(), default);

        var result = await Import.ImportAsync(org, feed, Entries(Ind("ip-dst", "192.0.2.3")), new ImportOptions(FullSnapshot: true), default);

        Assert.Equal((0, 1, 2), (result.Added, result.Updated, result.Removed));
        var rows = await IndicatorsAsync(org);
        Assert.Equal(["192.0.2.2", "192.0.2.3"], rows.Select(r => r.Value));
        Assert.Equal(["user:alice"], await SourcesOfAsync(rows[0].Id));
        Assert.Equal(["feed:7"], await SourcesOfAsync(rows[1].Id));
    }

    [Fact]
    public async Task A_delta_import_removes_nothing()
    {
        var org = (await Tenants.CreateAsync(server)).OrgId;
        var feed = IndicatorSource.Feed(8, "delta");
        await Import.ImportAsync(org, feed, Entries(Ind("ip-dst", "192.0.2.1")), new ImportOptions(), default);
        var result = await Import.ImportAsync(org, feed, Entries(Ind("ip-dst", "192.0.2.9")), new ImportOptions(), default);
        Assert.Equal(0, result.Removed);
        Assert.Equal(2, (await IndicatorsAsync(org)).Count);
    }

    [Fact]
    public async Task Bad_records_are_rejected_with_their_reason_and_the_rest_is_imported()
    {
        var org = (await Tenants.CreateAsync(server)).OrgId;
        var result = await Import.ImportAsync(org, new IndicatorSource("import", "bad"), Entries(
            Ind("no-such-type", "x"),
            Ind("ip-dst", "999.1.1.1"),
            Ind("md5", "abc"),
            Ind("domain", new string('a', 1 << 20)),
            Ind("domain", "evil\u0001.example"),
            FeedEntry.Fail("line 7", "wrong number of columns"),
            Ind("domain", "good.example")), new ImportOptions(), default);

        Assert.Equal((1, 6), (result.Added, result.Rejected));
        Assert.Equal("good.example", Assert.Single(await IndicatorsAsync(org)).Value);
        Assert.Contains("is not a MISP attribute type", result.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal("item 1 (no-such-type x)", result.Errors[0].Where);
        Assert.Contains("IPv4", result.Errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("32 hexadecimal digits", result.Errors[2].Message, StringComparison.Ordinal);
        Assert.Contains("at most 8192", result.Errors[3].Message, StringComparison.Ordinal);
        Assert.Contains("control characters", result.Errors[4].Message, StringComparison.Ordinal);
        Assert.Equal(new FeedItemError("line 7", "wrong number of columns"), result.Errors[5]);
    }

    [Fact]
    public async Task Values_on_a_warninglist_are_flagged_or_dropped_by_policy()
    {
        var org = (await Tenants.CreateAsync(server)).OrgId;
        var store = new IndicatorStore(server.Db, TimeProvider.System, new OneList("List of known google domains", "google.com"));
        var flagged = await store.ImportAsync(org, IndicatorSource.Feed(3, "f"), Entries(Ind("domain", "google.com"), Ind("domain", "evil.example")), new ImportOptions(), default);
        var dropped = await store.ImportAsync(org, IndicatorSource.Feed(4, "d"), Entries(Ind("domain", "google.com"), Ind("domain", "bad.example")), new ImportOptions(WarninglistPolicy: "drop"), default);

        Assert.Equal((2, 0), (flagged.Added, flagged.Dropped));
        Assert.Equal((1, 1), (dropped.Added, dropped.Dropped));
        var lists = await server.Db.ReadAsync(c => c.ExecuteScalarAsync<string>("SELECT warninglists FROM indicators WHERE org_id = @org AND value = 'google.com'", new { org }));
        Assert.Equal("""["List of known google domains"]""", lists);
    }

    [Fact]
    public async Task Event_context_is_kept_on_the_source_link()
    {
        var org = (await Tenants.CreateAsync(server)).OrgId;
        var record = new IndicatorRecord
        {
            Type = "sha256",
            Value = new string('A', 64),
            SourceRef = "5f1f2a3b-attr",
            Context = new IndicatorContext { Uuid = "5f1f2a3b-event", Info = "Phishing campaign", Tags = ["tlp:clear"], Galaxies = ["misp-galaxy:threat-actor=\"Sofacy\""] },
        };
        await Import.ImportAsync(org, IndicatorSource.Feed(5, "misp"), Entries(FeedEntry.Of(record)), new ImportOptions(), default);

        var (value, tags, context, sourceRef) = await server.Db.ReadAsync(c => c.QuerySingleAsync<(string, string, string, string)>(
            "SELECT i.value, i.tags, s.context, s.source_ref FROM indicators i JOIN indicator_sources s ON s.indicator_id = i.id WHERE i.org_id = @org", new { org }));
        Assert.Equal(new string('a', 64), value);
        Assert.Equal("""["tlp:clear"]""", tags);
        Assert.Equal("5f1f2a3b-attr", sourceRef);
        Assert.Contains("\"info\":\"Phishing campaign\"", context, StringComparison.Ordinal);
        Assert.Contains("Sofacy", context, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Imports_into_one_organisation_do_not_touch_another()
    {
        var a = (await Tenants.CreateAsync(server)).OrgId;
        var b = (await Tenants.CreateAsync(server)).OrgId;
        var feed = IndicatorSource.Feed(9, "shared name");
        await Import.ImportAsync(a, feed, Entries(Ind("domain", "a.example")), new ImportOptions(FullSnapshot: true), default);
        await Import.ImportAsync(b, feed, Entries(Ind("domain", "b.example")), new ImportOptions(FullSnapshot: true), default);
        Assert.Equal(["a.example"], (await IndicatorsAsync(a)).Select(r => r.Value));
        Assert.Equal(["b.example"], (await IndicatorsAsync(b)).Select(r => r.Value));
    }

    [Fact]
    public async Task A_feed_larger_than_one_batch_is_imported_whole()
    {
        var org = (await Tenants.CreateAsync(server)).OrgId;
        var n = IndicatorStore.BatchSize * 2 + 17;
        var entries = Enumerable.Range(0, n).Select(i => Ind("ip-dst", $"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}")).ToArray();
        var result = await Import.ImportAsync(org, IndicatorSource.Feed(11, "big"), Entries(entries), new ImportOptions(FullSnapshot: true), default);
        Assert.Equal(n, result.Added);
        var half = await Import.ImportAsync(org, IndicatorSource.Feed(11, "big"), Entries(entries[..(n / 2)]), new ImportOptions(FullSnapshot: true), default);
        Assert.Equal((0, n / 2, n - n / 2), (half.Added, half.Updated, half.Removed));
        Assert.Equal(n / 2, await server.Db.ReadAsync(c => c.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM indicators WHERE org_id = @org", new { org })));
    }

    [Fact]
    public async Task Known_indicators_in_a_batch_after_new_ones_are_merged_not_duplicated()
    {
        // The first batch is all new, so the next one is written insert-first: its known values must still gain the
        // second source's tags and link, and count as updated.
        var org = (await Tenants.CreateAsync(server)).OrgId;
        var n = IndicatorStore.BatchSize;
        var known = Enumerable.Range(0, 50).Select(i => Ind("domain", $"known{i}.example", "old")).ToArray();
        await Import.ImportAsync(org, IndicatorSource.Feed(21, "first"), Entries(known), new ImportOptions(), default);

        var fresh = Enumerable.Range(0, n + 100).Select(i => Ind("domain", $"fresh{i}.example", "new")).ToArray();
        var second = fresh[..n].Concat(Enumerable.Range(0, 50).Select(i => Ind("domain", $"known{i}.example", "new"))).Concat(fresh[n..]).ToArray();
        var result = await Import.ImportAsync(org, IndicatorSource.Feed(22, "second"), Entries(second), new ImportOptions(), default);

        Assert.Equal((n + 100 + 50, 0), (result.Added, result.Updated));
        var rows = await IndicatorsAsync(org);
        Assert.Equal(n + 100 + 50, rows.Count);
        var k = Assert.Single(rows, r => r.Value == "known7.example");
        Assert.Equal("""["old","new"]""", k.Tags);
        Assert.Equal(["feed:21", "feed:22"], await SourcesOfAsync(k.Id));
        var again = await Import.ImportAsync(org, IndicatorSource.Feed(22, "second"), Entries(second), new ImportOptions(), default);
        Assert.Equal((0, n + 100 + 50), (again.Added, again.Updated));
    }

    [Fact]
    public async Task Links_written_many_rows_per_statement_keep_each_indicators_own_reference()
    {
        // Two full link statements and a short last one (SQLite: SqliteIndicatorRows.LinksPerStatement rows each); the
        // re-import refreshes odd rows' references and leaves even rows' as they were (a report without one keeps it).
        var org = (await Tenants.CreateAsync(server)).OrgId;
        var n = 130;
        FeedEntry Item(int i, string? sourceRef) =>
            FeedEntry.Of(new IndicatorRecord { Type = "domain", Value = $"chunk{i:D3}.example", SourceRef = sourceRef });
        var feed = IndicatorSource.Feed(41, "chunks");
        var first = await Import.ImportAsync(org, feed, Entries([.. Enumerable.Range(0, n).Select(i => Item(i, $"ref-{i}"))]), new ImportOptions(), default);
        var again = await Import.ImportAsync(org, feed, Entries([.. Enumerable.Range(0, n).Select(i => Item(i, i % 2 == 1 ? $"new-{i}" : null))]), new ImportOptions(), default);

        Assert.Equal((n, 0, 0, n), (first.Added, first.Updated, again.Added, again.Updated));
        var links = (await server.Db.ReadAsync(c => c.QueryAsync<(string Value, string Ref, string Key)>(
            "SELECT i.value, s.source_ref, s.source_key FROM indicators i JOIN indicator_sources s ON s.indicator_id = i.id WHERE i.org_id = @org ORDER BY i.value", new { org }))).AsList();
        Assert.Equal(n, links.Count);
        for (var i = 0; i < n; i++)
            Assert.Equal(($"chunk{i:D3}.example", i % 2 == 1 ? $"new-{i}" : $"ref-{i}", "feed:41"), links[i]);
    }

    [Fact]
    public async Task Known_and_new_values_alternating_in_one_batch_are_linked_to_their_own_rows()
    {
        // In value order the second batch alternates stored and new values: each new row's id must come from its own
        // insert (SQLite: row by row, a stored value changes no row) and each link must reach its own indicator.
        var org = (await Tenants.CreateAsync(server)).OrgId;
        var known = Enumerable.Range(0, 50).Select(i => Ind("domain", $"b{i:D4}-0.example")).ToArray();
        await Import.ImportAsync(org, IndicatorSource.Feed(31, "first"), Entries(known), new ImportOptions(), default);

        var fresh = Enumerable.Range(0, IndicatorStore.BatchSize).Select(i => Ind("domain", $"a{i:D5}.example"));
        var mixed = Enumerable.Range(0, 50).SelectMany(i => new[] { Ind("domain", $"b{i:D4}-0.example"), Ind("domain", $"b{i:D4}-1.example") });
        var result = await Import.ImportAsync(org, IndicatorSource.Feed(32, "second"), Entries([.. fresh, .. mixed]), new ImportOptions(), default);

        Assert.Equal((IndicatorStore.BatchSize + 100, 0), (result.Added, result.Updated));
        var rows = (await IndicatorsAsync(org)).Where(r => r.Value.StartsWith('b')).ToList();
        Assert.Equal(100, rows.Count);
        foreach (var row in rows)
            Assert.Equal(row.Value.EndsWith("-0.example", StringComparison.Ordinal) ? ["feed:31", "feed:32"] : ["feed:32"], await SourcesOfAsync(row.Id));
    }

    [Fact]
    public async Task A_stream_that_fails_after_full_batches_keeps_them_and_raises_its_error()
    {
        var org = (await Tenants.CreateAsync(server)).OrgId;
        var n = IndicatorStore.BatchSize * 2;
        async IAsyncEnumerable<FeedEntry> Truncated()
        {
            foreach (var i in Enumerable.Range(0, n + 10))
            {
                yield return Ind("ip-dst", $"10.20.{i >> 8 & 255}.{i & 255}");
                await Task.Yield();
            }
            throw new FeedFormatException("the feed ends in the middle of an item");
        }

        var e = await Assert.ThrowsAsync<FeedFormatException>(() => Import.ImportAsync(org, IndicatorSource.Feed(23, "cut"), Truncated(), new ImportOptions(FullSnapshot: true), default));
        Assert.Contains("middle of an item", e.Message, StringComparison.Ordinal);
        // The two full batches were written; the 10 read after them were not, and nothing was removed.
        Assert.Equal(n, (await IndicatorsAsync(org)).Count);
    }

    sealed class OneList(string name, string value) : IWarninglistLookup
    {
        public IReadOnlyList<string> Hits(string type, string normalizedValue) => normalizedValue == value ? [name] : [];
    }
}

public sealed class IndicatorImportTestsOnSqlite(SqliteServer server) : IndicatorImportTests(server), IClassFixture<SqliteServer>;

public sealed class IndicatorImportTestsOnPostgres(PostgresServer server) : IndicatorImportTests(server), IClassFixture<PostgresServer>;
