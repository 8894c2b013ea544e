using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Quell.Events;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Events;

public abstract class EventStoreTests(Dialect dialect)
{
    const long Org = 1;

    static IncomingEvent Event(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return EventNormalizer.Normalize(doc.RootElement, json);
    }

    async Task<(TestStore Store, EventStore Events)> CreateAsync(EventOptions? options = null)
    {
        var store = await TestStore.CreateAsync(dialect);
        await store.Db.WriteAsync((c, tx) => c.ExecuteAsync("INSERT INTO organisations (name, created_at) VALUES ('o1', 0), ('o2', 0)", transaction: tx));
        return (store, new EventStore(store.Db, store.Time, Options.Create(options ?? new EventOptions())));
    }

    protected static async Task<List<StoredEvent>> Search(EventStore events, string q, long org = Org, int limit = 100, (long, long)? after = null, long? from = null, long? to = null)
    {
        var terms = EventQuery.Parse(q, out var error) ?? throw new InvalidOperationException(error);
        var list = new List<StoredEvent>();
        await foreach (var e in new EventSearch(events).SearchAsync(new EventSearchRequest(org, terms, from, to, limit, after)))
            list.Add(e);
        return list;
    }

    [Fact]
    public async Task Events_are_stored_in_day_partitions_and_found_newest_first()
    {
        var (store, events) = await CreateAsync();
        await using var _ = store;
        await events.AppendAsync(new EventOrigin(Org, "fw"), [
            Event("""{"@timestamp":"2025-02-27T23:59:00Z","source":{"ip":"10.0.0.1"},"msg":"first deny"}"""),
            Event("""{"@timestamp":"2025-02-28T00:01:00Z","source":{"ip":"10.0.0.2"},"msg":"second allow"}"""),
            Event("""{"msg":"no time, so receive time"}"""),
        ], CancellationToken.None);

        var partitions = await events.PartitionsAsync();
        Assert.Equal(["events_r90_d20250301", "events_r90_d20250228", "events_r90_d20250227"], partitions.Select(p => p.Name));
        var all = await Search(events, "");
        Assert.Equal(3, all.Count);
        Assert.Equal(store.Time.GetUtcNow().ToUnixTimeMilliseconds(), all[0].EventTime);
        Assert.Contains("second allow", all[1].Raw);
        Assert.Contains("first deny", all[2].Raw);
        Assert.All(all, e => Assert.Equal("fw", e.Source));
        Assert.Equal("10.0.0.2", JsonDocument.Parse(all[1].Fields).RootElement.GetProperty("source.ip").GetString());
    }

    [Fact]
    public async Task Field_equality_and_free_text_are_combined_and_scoped_by_organisation()
    {
        var (store, events) = await CreateAsync();
        await using var _ = store;
        await events.AppendAsync(new EventOrigin(Org, "fw"), [
            Event("""{"source":{"ip":"10.0.0.1"},"user":{"name":"alice"},"msg":"Login FAILED","n":42}"""),
            Event("""{"source":{"ip":"10.0.0.1"},"user":{"name":"bob"},"msg":"login ok","n":43}"""),
            Event("""{"source":{"ip":"10.0.0.9"},"user":{"name":"alice smith"},"msg":"login ok 100%"}"""),
        ], CancellationToken.None);
        await events.AppendAsync(new EventOrigin(2, "fw"), [Event("""{"source":{"ip":"10.0.0.1"},"msg":"other org"}""")], CancellationToken.None);

        Assert.Equal(2, (await Search(events, "source.ip:10.0.0.1")).Count);
        Assert.Single(await Search(events, "source.ip:10.0.0.1 failed"));
        Assert.Single(await Search(events, "related.ip:10.0.0.1 related.user:bob"));
        Assert.Single(await Search(events, "user.name:\"alice smith\""));
        Assert.Single(await Search(events, "n:42"));
        Assert.Single(await Search(events, "\"100%\""));
        Assert.Empty(await Search(events, "\"10%\""));
        Assert.Empty(await Search(events, "user.name:alic"));
        Assert.Single(await Search(events, "source.ip:10.0.0.1", org: 2));
    }

    [Fact]
    public async Task Pages_follow_the_cursor_without_gaps_or_repeats_across_days()
    {
        var (store, events) = await CreateAsync();
        await using var _ = store;
        var start = new DateTimeOffset(2025, 2, 20, 0, 0, 0, TimeSpan.Zero);
        var batch = Enumerable.Range(0, 50).Select(i =>
            Event($$"""{"@timestamp":"{{start.AddHours(i * 3 + i % 2):O}}","i":{{i}}}""")).ToList();
        // Same times twice: the id breaks ties.
        batch.Add(Event($$"""{"@timestamp":"{{start:O}}","i":50}"""));
        await events.AppendAsync(new EventOrigin(Org, "s"), batch, CancellationToken.None);
        var seen = new List<long>();
        (long, long)? after = null;
        while (true)
        {
            var page = await Search(events, "", limit: 7, after: after);
            seen.AddRange(page.Select(e => e.Id));
            if (page.Count < 7)
                break;
            after = (page[^1].EventTime, page[^1].Id);
        }
        Assert.Equal(51, seen.Count);
        Assert.Equal(51, seen.Distinct().Count());
        var window = await Search(events, "", from: start.AddDays(1).ToUnixTimeMilliseconds(), to: start.AddDays(2).ToUnixTimeMilliseconds() - 1);
        Assert.Equal(8, window.Count);
    }

    [Fact]
    public async Task Related_values_are_looked_up_across_partitions()
    {
        var (store, events) = await CreateAsync();
        await using var _ = store;
        await events.AppendAsync(new EventOrigin(Org, "a"), [
            Event("""{"@timestamp":"2025-01-05T00:00:00Z","destination":{"ip":"203.0.113.7"}}"""),
            Event("""{"@timestamp":"2025-02-05T00:00:00Z","destination":{"ip":"203.0.113.8"}}"""),
        ], CancellationToken.None);
        await events.AppendAsync(new EventOrigin(Org, "b"), [Event("""{"@timestamp":"2025-02-25T00:00:00Z","src_ip":"203.0.113.7"}""")], CancellationToken.None);
        var hits = await events.LookupRelatedAsync(Org, "203.0.113.7");
        Assert.Equal(2, hits.Count);
        Assert.Equal(["events_r90_d20250225", "events_r90_d20250105"], hits.Select(h => h.Partition));
        Assert.Empty(await events.LookupRelatedAsync(2, "203.0.113.7"));
    }

    [Fact]
    public async Task A_batch_longer_than_one_insert_statement_stores_every_event_and_related_value()
    {
        var (store, events) = await CreateAsync();
        await using var _ = store;
        // 150 events over two days: 75 per partition, so full multi-row statements and a shorter last one on SQLite.
        var batch = Enumerable.Range(0, 150).Select(i => Event($$$"""
            {"@timestamp":"2025-02-{{{20 + (i % 2)}}}T10:00:{{{i % 60:00}}}Z","i":{{{i}}},"src_ip":"10.9.{{{i / 250}}}.{{{i % 250}}}","dst_ip":"203.0.113.1","user":"u{{{i}}}"}
            """)).ToList();
        await events.AppendAsync(new EventOrigin(Org, "many"), batch, CancellationToken.None);
        foreach (var day in (string[])["events_r90_d20250220", "events_r90_d20250221"])
        {
            Assert.Equal(75, await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>($"SELECT count(*) FROM {day}")));
            Assert.Equal(75 * 3, await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>($"SELECT count(*) FROM {day}_related")));
        }
        for (var i = 0; i < 150; i += 7)
        {
            var stored = Assert.Single(await Search(events, $"i:{i}"));
            Assert.Equal(i, JsonDocument.Parse(stored.Fields).RootElement.GetProperty("i").GetInt64());
            var hit = Assert.Single(await events.LookupRelatedAsync(Org, $"10.9.{i / 250}.{i % 250}"));
            Assert.Equal((stored.Id, stored.EventTime), (hit.EventId, hit.EventTime));
            Assert.Single(await events.LookupRelatedAsync(Org, $"u{i}"));
        }
        Assert.Equal(150, (await events.LookupRelatedAsync(Org, "203.0.113.1")).Count);
    }

    [Fact]
    public async Task Retention_drops_expired_partitions_whole_per_source_retention()
    {
        var (store, events) = await CreateAsync();
        await using var _ = store;
        await store.Db.WriteAsync((c, tx) => events.SetRetentionAsync(c, tx, Org, "short", 7));
        var now = store.Time.GetUtcNow();
        await events.AppendAsync(new EventOrigin(Org, "short"), [
            Event($$"""{"@timestamp":"{{now.AddDays(-9):O}}","x":1}"""),
            Event($$"""{"@timestamp":"{{now.AddDays(-3):O}}","x":2}"""),
        ], CancellationToken.None);
        await events.AppendAsync(new EventOrigin(Org, "long"), [Event($$"""{"@timestamp":"{{now.AddDays(-9):O}}","x":3}""")], CancellationToken.None);

        var dropped = await events.DropExpiredAsync();
        Assert.Equal(["events_r7_d20250220"], dropped);
        Assert.Equal([2L, 3L], (await Search(events, "")).Select(e => JsonDocument.Parse(e.Fields).RootElement.GetProperty("x").GetInt64()).Order());
        Assert.Equal(store.Dialect == Dialect.Sqlite
            ? ["events_r7_d20250226", "events_r7_d20250226_related", "events_r7_d20250226_related_main", "events_r7_d20250226_related_pending",
                "events_r7_d20250226_time_main", "events_r7_d20250226_time_pending"]
            : ["events_r7_d20250226", "events_r7_d20250226_related"], await TablesAsync(store, "events_r7_%"));
        store.Time.Advance(TimeSpan.FromDays(5));
        Assert.Equal(["events_r7_d20250226"], await events.DropExpiredAsync());
        Assert.Empty(await TablesAsync(store, "events_r7_%"));
    }

    /// <summary>Tables and views (SQLite) or tables (PostgreSQL) whose names match <paramref name="like"/>, sorted.</summary>
    static async Task<List<string>> TablesAsync(TestStore store, string like) =>
        (store.Dialect == Dialect.Sqlite
            ? await store.Db.ReadAsync(c => c.QueryAsync<string>("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name LIKE @like", new { like }))
            : await store.Db.ReadAsync(c => c.QueryAsync<string>("SELECT tablename FROM pg_tables WHERE tablename LIKE @like", new { like }))).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task Related_values_are_found_while_pending_and_after_they_are_merged()
    {
        var (store, events) = await CreateAsync(new EventOptions { MaxPendingRelated = 20 });
        await using var _ = store;
        // Three related values per event (two addresses, a user), four events per batch: the first batch's values wait in
        // the pending list, the second batch's bring it to 24 ≥ 20 and merge both, the third's wait again.
        for (var b = 0; b < 3; b++)
        {
            await events.AppendAsync(new EventOrigin(Org, "fw"), Enumerable.Range(0, 4).Select(i => Event($$"""
                {"@timestamp":"2025-02-28T10:00:0{{i}}Z","src_ip":"10.1.{{b}}.{{i}}","dst_ip":"203.0.113.9","user":"u{{b}}"}
                """)).ToList(), CancellationToken.None);
            Assert.Equal(4 * (b + 1), (await events.LookupRelatedAsync(Org, "203.0.113.9")).Count);
            Assert.Equal(4, (await Search(events, $"related.user:u{b}")).Count);
            Assert.Single(await events.LookupRelatedAsync(Org, $"10.1.{b}.3"));
            Assert.Single(await Search(events, $"related.ip:10.1.{b}.3"));
            if (dialect == Dialect.Sqlite)
            {
                var pending = await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>($"SELECT count(*) FROM {EventPartitions.RelatedPendingTable("events_r90_d20250228")}"));
                Assert.Equal(b == 1 ? 0 : 12, pending);
            }
        }
        // Each value of each event once, whichever table holds it.
        Assert.Equal(36, await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM events_r90_d20250228_related")));
        Assert.Equal(36, await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM (SELECT DISTINCT org_id, value, event_time, event_id FROM events_r90_d20250228_related) AS r")));
        Assert.Empty(await events.LookupRelatedAsync(2, "203.0.113.9"));
    }

    [Fact]
    public async Task Pages_follow_the_cursor_while_event_times_are_pending_and_after_they_are_merged()
    {
        var (store, events) = await CreateAsync(new EventOptions { MaxPendingTimes = 7 });
        await using var _ = store;
        // Five events per batch, times out of order within the day: after each batch some times wait in the pending list
        // (7 reached at the 2nd, 4th, 6th batch merges them), so pages cross both tables and both layouts' order must agree.
        var stored = new List<(long Time, string Msg)>();
        for (var b = 0; b < 7; b++)
        {
            var batch = Enumerable.Range(0, 5).Select(i => (Minute: (b * 37 + i * 11) % 60, Msg: $"m{b}x{i}")).ToList();
            await events.AppendAsync(new EventOrigin(Org, "fw"), batch.Select(e => Event($$"""
                {"@timestamp":"2025-02-28T10:{{e.Minute:D2}}:00Z","msg":"{{e.Msg}} {{(e.Minute % 2 == 0 ? "even" : "odd")}}","k":"{{e.Minute % 3}}"}
                """)).ToList(), CancellationToken.None);
            stored.AddRange(batch.Select(e => (DateTimeOffset.Parse($"2025-02-28T10:{e.Minute:D2}:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), e.Msg)));
        }
        if (dialect == Dialect.Sqlite)
        {
            var pending = await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>($"SELECT count(*) FROM {EventPartitions.TimePendingTable("events_r90_d20250228")}"));
            Assert.Equal(5, pending);
            Assert.Equal(30, await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>($"SELECT count(*) FROM {EventPartitions.TimeMainTable("events_r90_d20250228")}")));
        }
        foreach (var (q, keep) in new (string, Func<(long Time, string Msg), bool>)[] { ("", _ => true), ("even", e => e.Time / 60_000 % 2 == 0), ("k:1", e => e.Time / 60_000 % 3 == 1) })
        {
            var from = DateTimeOffset.Parse("2025-02-28T10:05:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
            var to = DateTimeOffset.Parse("2025-02-28T10:50:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
            var all = await Search(events, q, limit: 1000, from: from, to: to);
            // Ids rise in arrival order, so the expected order is (time, arrival) descending.
            var expected = stored.Select((e, i) => (e.Time, e.Msg, Order: i)).Where(e => e.Time >= from && e.Time <= to && keep((e.Time, e.Msg)))
                .OrderByDescending(e => e.Time).ThenByDescending(e => e.Order).Select(e => e.Msg).ToList();
            Assert.NotEmpty(expected);
            Assert.Equal(expected, all.Select(e => e.Raw[(e.Raw.IndexOf("\"msg\":\"", StringComparison.Ordinal) + 7)..].Split(' ')[0]));
            var paged = new List<StoredEvent>();
            (long, long)? after = null;
            while (true)
            {
                var page = await Search(events, q, limit: 3, after: after, from: from, to: to);
                paged.AddRange(page);
                if (page.Count < 3)
                    break;
                after = (page[^1].EventTime, page[^1].Id);
            }
            Assert.Equal(all.Select(e => e.Id), paged.Select(e => e.Id));
        }
    }

    [Fact]
    public async Task Retention_merges_the_pending_values_of_days_that_have_ended()
    {
        var (store, events) = await CreateAsync();
        await using var _ = store;
        // The test clock is at 2025-03-01: one event of the day before, one of today.
        await events.AppendAsync(new EventOrigin(Org, "fw"), [
            Event("""{"@timestamp":"2025-02-28T10:00:00Z","src_ip":"10.9.0.1"}"""),
            Event("""{"@timestamp":"2025-03-01T00:10:00Z","src_ip":"10.9.0.2"}"""),
        ], CancellationToken.None);

        var merged = await events.SettlePendingAsync();
        if (dialect == Dialect.Sqlite)
        {
            Assert.Equal(["events_r90_d20250228"], merged);
            async Task<long> Pending(string table) => await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>($"SELECT count(*) FROM {EventPartitions.RelatedPendingTable(table)}"));
            async Task<long> PendingTimes(string table) => await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>($"SELECT count(*) FROM {EventPartitions.TimePendingTable(table)}"));
            Assert.Equal(0, await Pending("events_r90_d20250228"));
            Assert.Equal(1, await Pending("events_r90_d20250301"));
            Assert.Equal(0, await PendingTimes("events_r90_d20250228"));
            Assert.Equal(1, await PendingTimes("events_r90_d20250301"));
            Assert.Empty(await events.SettlePendingAsync());
        }
        else
            Assert.Empty(merged);
        Assert.Single(await events.LookupRelatedAsync(Org, "10.9.0.1"));
        Assert.Single(await events.LookupRelatedAsync(Org, "10.9.0.2"));
    }

    [Fact]
    public async Task Concurrent_batches_all_land_with_unique_ids()
    {
        var (store, events) = await CreateAsync();
        await using var _ = store;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(b => events.AppendAsync(new EventOrigin(Org, "c"),
            Enumerable.Range(0, 200).Select(i => Event($$$"""{"b":{{{b}}},"i":{{{i}}},"source":{"ip":"10.1.{{{b}}}.{{{i % 250}}}"}}""")).ToList(), CancellationToken.None).AsTask()));
        var all = await Search(events, "", limit: 5000);
        Assert.Equal(1600, all.Count);
        Assert.Equal(1600, all.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public async Task Hec_events_kept_as_utf8_are_stored_as_the_same_text_as_strings()
    {
        var (store, events) = await CreateAsync();
        await using var _ = store;
        // Non-ASCII, escapes (a NUL written as an escape stays an escape in the raw text), a large event past the slab's share.
        var bodies = new[]
        {
            """{"event":{"city":"Zürich ☃ 東京 𝄞","said":"a \"quote\" \u0000 and \\","n":1},"host":"h1"}""",
            """{"event":  {"pretty" : [1, {"x": "y"}] ,"n":2}}""",
            "{\"event\":{\"big\":\"" + new string('x', 20_000) + "\",\"n\":3}}",
        };
        var (fromBytes, error) = HecRequest.ParseEvents(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", bodies)), 100);
        Assert.Null(error);
        Assert.All(fromBytes!, e => Assert.NotNull(e.RawUtf8));
        var asText = fromBytes!.Select(e => new IncomingEvent(e.Timestamp, System.Text.Encoding.UTF8.GetString(e.RawUtf8!.Value.Span), e.Fields)).ToList();
        await events.AppendAsync(new EventOrigin(Org, "bytes"), fromBytes!, CancellationToken.None);
        await events.AppendAsync(new EventOrigin(Org, "text"), asText, CancellationToken.None);

        var stored = await Search(events, "", limit: 10);
        Assert.Equal(6, stored.Count);
        foreach (var n in new[] { 1L, 2L, 3L })
        {
            var pair = stored.Where(e => JsonDocument.Parse(e.Fields).RootElement.GetProperty("n").GetInt64() == n).ToList();
            Assert.Equal(2, pair.Count);
            Assert.Equal(pair[0].Raw, pair[1].Raw);
            Assert.Equal(pair[0].Fields, pair[1].Fields);
            Assert.Equal(asText[(int)n - 1].Raw, pair[0].Raw);
        }
        Assert.Contains("\\u0000", stored.Single(e => e.Source == "bytes" && e.Raw.Contains("city", StringComparison.Ordinal)).Raw);
    }

    [Fact]
    public async Task Text_is_stored_as_text_as_received_and_an_empty_raw_stays_empty()
    {
        var (store, events) = await CreateAsync();
        await using var _ = store;
        var city = "Zürich ☃ 東京 𝄞";
        await events.AppendAsync(new EventOrigin(Org, "geo"), [
            Event($$$"""{"city":"{{{city}}}","said":"a \"quote\" and \\","source":{"ip":"2001:DB8:0:0:0:0:0:1"},"user":{"name":"Ärger"}}"""),
            new IncomingEvent(null, "", new Dictionary<string, object?> { ["m"] = "empty raw", ["n"] = 7L, ["list"] = new List<object?> { "a", 1L, null } }),
        ], CancellationToken.None);

        var stored = Assert.Single(await Search(events, $"city:\"{city}\""));
        var fields = JsonDocument.Parse(stored.Fields).RootElement;
        Assert.Equal(city, fields.GetProperty("city").GetString());
        Assert.Equal("a \"quote\" and \\", fields.GetProperty("said").GetString());
        Assert.Contains(city, stored.Raw);
        Assert.Single(await events.LookupRelatedAsync(Org, "Ärger"));
        // The address is indexed in its canonical spelling.
        Assert.Single(await events.LookupRelatedAsync(Org, "2001:db8::1"));
        var empty = Assert.Single(await Search(events, "m:\"empty raw\""));
        Assert.Equal("", empty.Raw);
        Assert.Equal("""{"m":"empty raw","n":7,"list":["a",1,null]}""", empty.Fields);
        if (dialect == Dialect.Sqlite)
        {
            var table = (await events.PartitionsAsync()).Single().Name;
            var types = await store.Db.ReadAsync(c => c.QueryAsync<string>($"SELECT DISTINCT typeof(raw) || ' ' || typeof(fields) FROM {table}"));
            Assert.Equal(["text text"], types);
        }
    }

    [Fact]
    public async Task Nul_characters_are_stored_as_replacement_characters()
    {
        var (store, events) = await CreateAsync();
        await using var _ = store;
        await events.AppendAsync(new EventOrigin(Org, "x\0y"), [Event("{\"m\":\"a\\u0000b\"}")], CancellationToken.None);
        var e = Assert.Single(await Search(events, "m:a\uFFFDb"));
        Assert.Equal("x\uFFFDy", e.Source);
    }
}

public sealed class EventStoreTestsOnSqlite() : EventStoreTests(Dialect.Sqlite)
{
    [Fact]
    public async Task A_partition_made_before_the_pending_list_keeps_its_related_table()
    {
        await using var store = await TestStore.CreateAsync(Dialect.Sqlite);
        var events = new EventStore(store.Db, store.Time, Options.Create(new EventOptions { MaxPendingRelated = 1 }));
        // The layout of decision 175: the related values in a WITHOUT ROWID table of their own, no view.
        const string old = "events_r90_d20250110";
        await CreateOldPartitionAsync(store, old, $"""
            CREATE TABLE {old}_related (org_id BIGINT NOT NULL, value TEXT NOT NULL, event_time BIGINT NOT NULL, event_id BIGINT NOT NULL,
              PRIMARY KEY (org_id, value, event_time, event_id)) WITHOUT ROWID;
            """);
        await events.AppendAsync(new EventOrigin(1, "fw"), [
            EventNormalizer.FromText("x", new Dictionary<string, object?> { ["@timestamp"] = "2025-01-10T10:00:00Z", ["source.ip"] = "198.51.100.1" }),
            EventNormalizer.FromText("y", new Dictionary<string, object?> { ["@timestamp"] = "2025-02-20T10:00:00Z", ["source.ip"] = "198.51.100.1" }),
        ], CancellationToken.None);

        Assert.Equal(["events_r90_d20250220", old], (await events.LookupRelatedAsync(1, "198.51.100.1")).Select(h => h.Partition));
        Assert.Equal(1, await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>($"SELECT count(*) FROM {old}_related")));
        Assert.Equal(0, await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>($"SELECT count(*) FROM sqlite_master WHERE name LIKE '{old}_related_%'")));
        // Both layouts are dropped whole when they expire.
        store.Time.Advance(TimeSpan.FromDays(200));
        Assert.Equal(2, (await events.DropExpiredAsync()).Count);
        Assert.Equal(0, await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM sqlite_master WHERE name LIKE 'events_r90_%'")));
    }

    [Fact]
    public async Task A_partition_made_before_the_time_tables_keeps_its_time_index()
    {
        await using var store = await TestStore.CreateAsync(Dialect.Sqlite);
        var events = new EventStore(store.Db, store.Time, Options.Create(new EventOptions { MaxPendingTimes = 1 }));
        // The layout of decision 182: an index on the event table's time, the related values behind a view.
        const string old = "events_r90_d20250110";
        await CreateOldPartitionAsync(store, old, $"""
            CREATE TABLE {old}_related_main (org_id BIGINT NOT NULL, value TEXT NOT NULL, event_time BIGINT NOT NULL, event_id BIGINT NOT NULL,
              PRIMARY KEY (org_id, value, event_time, event_id)) WITHOUT ROWID;
            CREATE TABLE {old}_related_pending (org_id BIGINT NOT NULL, value TEXT NOT NULL, event_time BIGINT NOT NULL, event_id BIGINT NOT NULL);
            CREATE VIEW {old}_related AS SELECT org_id, value, event_time, event_id FROM {old}_related_main
              UNION ALL SELECT org_id, value, event_time, event_id FROM {old}_related_pending;
            """);
        await events.AppendAsync(new EventOrigin(1, "fw"), [
            EventNormalizer.FromText("x1", new Dictionary<string, object?> { ["@timestamp"] = "2025-01-10T10:00:00Z" }),
            EventNormalizer.FromText("x2", new Dictionary<string, object?> { ["@timestamp"] = "2025-01-10T09:00:00Z" }),
            EventNormalizer.FromText("y", new Dictionary<string, object?> { ["@timestamp"] = "2025-02-20T10:00:00Z" }),
        ], CancellationToken.None);

        Assert.Equal(["y", "x1", "x2"], (await Search(events, "")).Select(e => e.Raw));
        var x1 = (await Search(events, "x1")).Single();
        Assert.Equal(["x2"], (await Search(events, "", after: (x1.EventTime, x1.Id))).Select(e => e.Raw));
        Assert.Equal(0, await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>($"SELECT count(*) FROM sqlite_master WHERE name LIKE '{old}_time_%'")));
        Assert.Equal(1, await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>($"SELECT count(*) FROM {EventPartitions.TimeMainTable("events_r90_d20250220")}")));
        // Both layouts are dropped whole when they expire.
        store.Time.Advance(TimeSpan.FromDays(200));
        Assert.Equal(2, (await events.DropExpiredAsync()).Count);
        Assert.Equal(0, await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM sqlite_master WHERE name LIKE 'events_r90_%'")));
    }

    /// <summary>A partition of day 2025-01-10 as layouts before decision 220 made it: an index on the event table's time, and <paramref name="relatedSql"/>.</summary>
    static Task CreateOldPartitionAsync(TestStore store, string old, string relatedSql) => store.Db.WriteAsync(async (c, tx) =>
    {
        await c.ExecuteAsync($"""
            CREATE TABLE {old} (id INTEGER PRIMARY KEY, org_id BIGINT NOT NULL, received_at BIGINT NOT NULL, event_time BIGINT NOT NULL,
              source TEXT NOT NULL, raw TEXT NOT NULL, fields TEXT NOT NULL);
            CREATE INDEX ix_{old}_time ON {old}(org_id, event_time, id);
            {relatedSql}
            INSERT INTO event_partitions (name, day, retention_days, created_at) VALUES ('{old}', 20250110, 90, 0);
            """, transaction: tx);
        return 0;
    });
}

public sealed class EventStoreTestsOnPostgres() : EventStoreTests(Dialect.Postgres);
