using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Quell.Intel.Flagging;
using Quell.Intel.Matching;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Flagging;

/// <summary>The flagger over a store without a server, one pass at a time: where it resumes, and rows committed out of id order.</summary>
public abstract class IntelFlaggerTests(Dialect dialect) : IAsyncLifetime
{
    protected TestStore Store { get; private set; } = null!;
    protected long Org { get; private set; }

    public async Task InitializeAsync()
    {
        Store = await TestStore.CreateAsync(dialect);
        Org = await Store.Db.WriteAsync((c, tx) => c.ExecuteScalarAsync<long>(
            "INSERT INTO organisations (name, created_at) VALUES (@name, 0) RETURNING id", new { name = "org-" + Guid.NewGuid().ToString("N")[..8] }, tx));
    }

    public async Task DisposeAsync() => await Store.DisposeAsync();

    /// <summary>A flagger with a matcher of its own, as a freshly started process has.</summary>
    protected IntelFlagger NewFlagger() =>
        new(Store.Db, new IntelIndex(Store.Db, NullLogger<IntelIndex>.Instance), Store.Time, NullLogger<IntelFlagger>.Instance);

    protected async Task<long> IndicatorAsync(string domain) =>
        await Store.Db.WriteAsync((c, tx) => c.ExecuteScalarAsync<long>("""
            INSERT INTO indicators (org_id, type, value, kind, category, to_ids, tlp, tags, created_at, updated_at)
            VALUES (@org, 'domain', @domain, 'domain', 'Network activity', @yes, 2, '[]', 0, 0) RETURNING id
            """, new { org = Org, domain, yes = true }, tx));

    /// <summary>An alert holding one domain observable, written on <paramref name="c"/>; returns the observable's id.</summary>
    protected async Task<long> ObservableAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, string domain)
    {
        var alert = await c.ExecuteScalarAsync<long>("""
            INSERT INTO alerts (org_id, type, source, source_ref, title, description, severity, tlp, pap, status, is_read, tags, date, created_at, updated_at, observable_count)
            VALUES (@org, 'test', 'flagger', @ref, 't', '', 2, 2, 2, 'new', @no, '[]', 0, 0, 0, 1) RETURNING id
            """, new { org = Org, @ref = Guid.NewGuid().ToString("N"), no = false }, tx);
        return await c.ExecuteScalarAsync<long>("""
            INSERT INTO alert_observables (alert_id, org_id, data_type, data, ioc, sighted, tags) VALUES (@alert, @org, 'domain', @domain, @no, @no, '[]') RETURNING id
            """, new { alert, org = Org, domain, no = false }, tx);
    }

    protected Task<long> ObservableAsync(string domain) => Store.Db.WriteAsync((c, tx) => ObservableAsync(c, tx, domain));

    protected Task<List<(long Observable, long Indicator)>> MatchesAsync() =>
        Store.Db.ReadAsync(async c => (await c.QueryAsync<(long, long)>(
            "SELECT observable_id, indicator_id FROM observable_intel_matches ORDER BY observable_id, indicator_id")).AsList());

    [Fact]
    public async Task A_restarted_flagger_goes_on_from_the_stored_positions_and_records_nothing_twice()
    {
        var listed = await IndicatorAsync("evil.example");
        var first = await ObservableAsync("a.evil.example");
        await ObservableAsync("harmless.example");

        Assert.Equal(1, await NewFlagger().RunOnceAsync());
        var position = await Store.Db.ReadAsync(c => FlagCursors.ReadAsync(c, FlagCursors.AlertObservables));
        Assert.Equal(first + 1, position.LastId);

        var second = await ObservableAsync("b.evil.example");
        var restarted = NewFlagger();
        Assert.Equal(1, await restarted.RunOnceAsync());
        Assert.Equal(0, await restarted.RunOnceAsync());
        // An indicator stored now finds the observable stored before it.
        var late = await IndicatorAsync("harmless.example");
        Assert.Equal(1, await NewFlagger().RunOnceAsync());

        var matches = await MatchesAsync();
        Assert.Equal([(first, listed), (first + 1, late), (second, listed)], matches);
    }

    [Fact]
    public async Task Indicators_stored_before_any_observable_are_flagged_once_observables_arrive_and_backwards_after()
    {
        var flagger = NewFlagger();
        var early = await IndicatorAsync("early.example");
        Assert.Equal(0, await flagger.RunOnceAsync()); // no observable anywhere: the backward look-up is skipped

        var first = await ObservableAsync("www.early.example");
        Assert.Equal(1, await flagger.RunOnceAsync());

        // With observables stored, a new indicator is looked up among them backwards.
        var stored = await ObservableAsync("later.example");
        Assert.Equal(0, await flagger.RunOnceAsync());
        var later = await IndicatorAsync("later.example");
        Assert.Equal(1, await flagger.RunOnceAsync());
        Assert.Equal([(first, early), (stored, later)], await MatchesAsync());
    }

    [Fact]
    public async Task Without_any_observable_one_pass_moves_past_every_new_indicator_and_observables_arriving_later_are_flagged()
    {
        // More than one page of the look-up path: the pass reads ids alone and moves the position past all of them.
        var n = IntelFlagger.IndicatorPage * 2 + 500;
        var last = await Store.Db.WriteAsync(async (c, tx) =>
        {
            long id = 0;
            for (var i = 0; i < n; i++)
                id = await c.ExecuteScalarAsync<long>("""
                    INSERT INTO indicators (org_id, type, value, kind, category, to_ids, tlp, tags, created_at, updated_at)
                    VALUES (@org, 'domain', @domain, 'domain', 'Network activity', @yes, 2, '[]', 0, 0) RETURNING id
                    """, new { org = Org, domain = $"bulk{i}.example", yes = true }, tx);
            return id;
        });
        var flagger = NewFlagger();
        Assert.Equal(0, await flagger.RunOnceAsync());
        var position = await Store.Db.ReadAsync(c => FlagCursors.ReadAsync(c, FlagCursors.Indicators));
        Assert.Equal(last, position.LastId);

        var observable = await ObservableAsync("www.bulk1234.example");
        Assert.Equal(1, await flagger.RunOnceAsync());
        var (_, indicator) = Assert.Single(await MatchesAsync());
        Assert.Equal("bulk1234.example", await Store.Db.ReadAsync(c => c.ExecuteScalarAsync<string>("SELECT value FROM indicators WHERE id = @indicator", new { indicator })));
        Assert.Equal(observable, (await MatchesAsync())[0].Observable);
    }
}

public sealed class IntelFlaggerTestsOnSqlite() : IntelFlaggerTests(Dialect.Sqlite);

public sealed class IntelFlaggerTestsOnPostgres() : IntelFlaggerTests(Dialect.Postgres)
{
    [Fact]
    public async Task An_observable_committed_after_one_with_a_higher_id_is_flagged_all_the_same()
    {
        var listed = await IndicatorAsync("evil.example");
        await using var slow = await Store.Db.OpenAsync();
        await using var tx = await slow.BeginTransactionAsync();
        var late = await ObservableAsync(slow, tx, "late.evil.example");
        var early = await ObservableAsync("early.evil.example");
        Assert.True(early > late);
        var flagger = NewFlagger();

        Assert.Equal(1, await flagger.RunOnceAsync());
        // The id it jumped over is kept as a gap: the stored position stays below it until it is filled.
        Assert.Equal(late - 1, (await Store.Db.ReadAsync(c => FlagCursors.ReadAsync(c, FlagCursors.AlertObservables))).LastId);
        await tx.CommitAsync();
        Assert.Equal(1, await flagger.RunOnceAsync());

        Assert.Equal([(late, listed), (early, listed)], await MatchesAsync());
        Assert.Equal(early, (await Store.Db.ReadAsync(c => FlagCursors.ReadAsync(c, FlagCursors.AlertObservables))).LastId);
    }

    [Fact]
    public async Task While_another_node_flags_this_one_skips_its_pass()
    {
        await IndicatorAsync("evil.example");
        await ObservableAsync("a.evil.example");
        await using var otherNode = await Store.Open().OpenAsync();
        await using (var tx = await otherNode.BeginTransactionAsync())
        {
            await otherNode.ExecuteAsync("SELECT pg_advisory_xact_lock(@k)", new { k = IntelFlagger.PostgresFlaggerLock }, tx);
            Assert.Equal(0, await NewFlagger().RunOnceAsync());
            Assert.Empty(await MatchesAsync());
        }
        Assert.Equal(1, await NewFlagger().RunOnceAsync());
    }
}
