using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quell.Intel.Matching;
using Quell.Storage;

namespace Quell.Intel.Flagging;

/// <summary>
/// Flags observables of alerts and cases that match the organisation's intel, in the background after they are
/// committed, so that alert intake does not wait for it (no statement is added to the request path). Every
/// <see cref="PollInterval"/> it reads, by id, the observables stored since its last pass and looks them up in the
/// server's matcher (<see cref="IntelIndex"/>), and reads the indicators stored since and looks them up among the
/// observables already stored (<see cref="StoredForms"/>). Matches go to observable_intel_matches with how they
/// matched (<see cref="MatchKinds"/>); the read positions go to intel_flag_cursors in the same transactions, so a
/// restart resumes where the last pass ended and at worst records again what it had recorded. On PostgreSQL one node
/// at a time flags (an advisory lock); the others skip their pass.
/// </summary>
public sealed partial class IntelFlagger(Db db, IntelIndex index, TimeProvider time, ILogger<IntelFlagger> log) : BackgroundService
{
    /// <summary>Flags appear at most about this long after their observable or indicator was stored.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    /// <summary>Observables read per page (one write per page that found matches).</summary>
    public const int ObservablePage = 5000;

    /// <summary>Indicators looked up among stored observables per page.</summary>
    public const int IndicatorPage = 1000;

    /// <summary>The advisory lock one node holds while it flags (PostgreSQL).</summary>
    internal const long PostgresFlaggerLock = 0x5155454C4C12;

    readonly SemaphoreSlim _pass = new(1, 1);
    readonly Dictionary<string, SourceState> _states = [];

    /// <summary>What this process holds of a source: the stored position it started from and how far it has read since.</summary>
    sealed class SourceState(FlagCursors.Position stored)
    {
        public FlagCursors.Position Stored { get; set; } = stored;
        public IdWatermark Mark { get; } = new(stored.LastId);
    }

    /// <summary>A stored position moved while this process was reading (another node, a deletion): start again from it.</summary>
    sealed class PositionMovedException(string source) : Exception($"the flagging position of {source} moved meanwhile");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await index.Loaded.WaitAsync(stoppingToken);
        // Real time, as the matcher's catch-up: a test clock that stands still must not stop flagging.
        using var timer = new PeriodicTimer(PollInterval);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                PassFailed(log, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>
    /// One pass: catches the matcher up, flags new observables of alerts and cases, then flags stored observables
    /// that new indicators match. Returns the match rows written (0 when another node holds the pass).
    /// </summary>
    public async Task<int> RunOnceAsync(CancellationToken ct = default)
    {
        await _pass.WaitAsync(ct);
        try
        {
            // A transaction-scoped lock goes with its transaction whatever happens; a session lock left behind on a
            // pooled connection would stop flagging on every node. The transaction holds no snapshot between statements.
            await using var lockConnection = db.IsPostgres ? await db.OpenAsync(ct) : null;
            await using var lockTransaction = lockConnection is null ? null : await lockConnection.BeginTransactionAsync(ct);
            if (lockConnection is not null
                && !await lockConnection.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_xact_lock(@k)", new { k = PostgresFlaggerLock }, lockTransaction))
                return 0;
            await index.CatchUpAsync(reread: false, ct);
            var written = 0;
            foreach (var source in FlagSource.All)
                written += await GuardedAsync(source.Table, () => ForwardAsync(source, ct), ct);
            written += await GuardedAsync(FlagCursors.Indicators, () => BackwardAsync(ct), ct);
            return written;
        }
        finally
        {
            _pass.Release();
        }
    }

    /// <summary>A failed source forgets what it read since its stored position, so nothing it did not record is skipped.</summary>
    async Task<int> GuardedAsync(string name, Func<Task<int>> work, CancellationToken ct)
    {
        try
        {
            return await work();
        }
        catch (PositionMovedException)
        {
            _states.Remove(name);
            return 0;
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            _states.Remove(name);
            throw;
        }
    }

    /// <summary>The state of a source, started again from the stored position when that is not where this process left it.</summary>
    async Task<SourceState> StateAsync(string name, CancellationToken ct)
    {
        var stored = await db.ReadAsync(c => FlagCursors.ReadAsync(c, name), ct);
        if (!_states.TryGetValue(name, out var state) || state.Stored != stored)
            _states[name] = state = new SourceState(stored);
        state.Mark.Expire(Now);
        return state;
    }

    long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Writes what a page found together with the new position (compare-and-set), or only the position. Throws
    /// <see cref="PositionMovedException"/> (writing nothing) when the stored position moved meanwhile.
    /// </summary>
    async Task<int> SaveAsync(string name, SourceState state, Func<DbConnection, DbTransaction, Task<int>>? record, CancellationToken ct)
    {
        var durable = state.Mark.Durable;
        if (record is null && durable == state.Stored.LastId)
            return 0;
        var written = await db.WriteAsync(async (c, tx) =>
        {
            if (!await FlagCursors.MoveAsync(c, tx, name, state.Stored, durable, Now))
                throw new PositionMovedException(name);
            return record is null ? 0 : await record(c, tx);
        }, ct);
        state.Stored = state.Stored with { LastId = durable };
        return written;
    }

    /// <summary>
    /// Reads a source from where this process left it: first the ids in its gaps, then page after page above the highest
    /// id seen. Each page moves the watermark and is handed to <paramref name="flag"/>, which records its matches with
    /// <see cref="SaveAsync"/>; then the position is saved if it moved, so that a long first pass over a large store
    /// is not started again from the beginning after a restart.
    /// </summary>
    async Task<int> ReadOnAsync<T>(string name, int page, Func<T, long> id, Func<string, DynamicParameters, Task<List<T>>> read,
        Func<SourceState, List<T>, Task<int>> flag, CancellationToken ct)
    {
        var state = await StateAsync(name, ct);
        var written = 0;
        if (state.Mark.Gaps.Count > 0)
        {
            var p = new DynamicParameters(new { page });
            var rows = await read($"{InGaps(state.Mark, p)} ORDER BY id LIMIT @page", p);
            state.Mark.Filled(rows.Select(id).ToList());
            written += await flag(state, rows);
        }
        while (true)
        {
            var rows = await read("id > @high ORDER BY id LIMIT @page", new DynamicParameters(new { high = state.Mark.High, page }));
            state.Mark.Advance(rows.Select(id).ToList(), Now);
            written += await flag(state, rows);
            await SaveAsync(name, state, null, ct);
            if (rows.Count < page)
                break;
        }
        if (written > 0)
            Recorded(log, written, name);
        return written;
    }

    /// <summary>The SQL condition "id is in one of the gaps", with its parameters.</summary>
    static string InGaps(IdWatermark mark, DynamicParameters p)
    {
        var terms = new List<string>();
        for (var i = 0; i < mark.Gaps.Count; i++)
        {
            p.Add("gf" + i, mark.Gaps[i].From);
            p.Add("gt" + i, mark.Gaps[i].To);
            terms.Add($"(id BETWEEN @gf{i} AND @gt{i})");
        }
        return "(" + string.Join(" OR ", terms) + ")";
    }

    [LoggerMessage(EventId = 4211, Level = LogLevel.Warning, Message = "Intel flagging pass failed; retrying")]
    static partial void PassFailed(ILogger logger, Exception e);

    [LoggerMessage(EventId = 4212, Level = LogLevel.Information, Message = "Intel flagging: {Count} observable match(es) recorded from {Source}")]
    static partial void Recorded(ILogger logger, int count, string source);

    [LoggerMessage(EventId = 4213, Level = LogLevel.Warning,
        Message = "Intel flagging: indicators of organisation {OrgId} match more than {Limit} stored {Source}; only the first {Limit} were flagged backwards (the value is too common to be a useful indicator)")]
    static partial void TooCommon(ILogger logger, long orgId, int limit, string source);
}
