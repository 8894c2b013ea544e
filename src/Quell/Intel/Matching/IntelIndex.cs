using System.Collections.Concurrent;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quell.Storage;

namespace Quell.Intel.Matching;

/// <summary>
/// The server's matcher: one <see cref="IndicatorIndex"/> per organisation, filled from the store at start and kept
/// current by reading indicators with ids above the highest one indexed — every few seconds in the background (which
/// also sees what other nodes imported) and on demand before an explicit lookup. The store stays the truth: a match is
/// a candidate id that the caller reads back (deleted or moved indicators drop out there), so the index never has to
/// forget anything in a hurry. Indicators keep their type and value for life, so new ids are the only change it needs.
/// </summary>
public sealed partial class IntelIndex(Db db, ILogger<IntelIndex> log) : BackgroundService, IStoredIndicators
{
    /// <summary>How often the background catch-up runs. Alert intake flags observables against what is indexed by then.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Ids below the high-water mark read again by the background catch-up: on PostgreSQL a transaction holding a
    /// lower id can commit after one holding a higher id. Adding an indexed indicator again changes nothing.
    /// </summary>
    const long Window = 5000;

    /// <summary>
    /// Ids below the high-water mark read again by an on-demand catch-up: on SQLite, deleting the newest indicators
    /// hands their ids to the next ones stored, which a plain "above the mark" read never sees. One small indexed read.
    /// </summary>
    const long RecentWindow = 64;

    const int Page = 20_000;

    readonly ConcurrentDictionary<long, IndicatorIndex> _byOrg = new();
    readonly SemaphoreSlim _catchUp = new(1, 1);
    readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    long _maxId;

    /// <summary>Completes when the first full load has finished.</summary>
    public Task Loaded => _loaded.Task;

    public int Count => _byOrg.Values.Sum(i => i.Count);

    /// <summary>Ids of the organisation's indicators that <paramref name="value"/> (raw: defanged, any case) matches; empty when none.</summary>
    public List<long> Match(long orgId, string value)
    {
        var ids = new List<long>();
        if (_byOrg.TryGetValue(orgId, out var index))
            index.Match(value.AsSpan(), ids);
        return ids;
    }

    /// <summary>Appends the ids of the organisation's indicators that <paramref name="value"/> matches to <paramref name="ids"/>; says whether there was any.</summary>
    public bool Match(long orgId, string value, List<long> ids) => _byOrg.TryGetValue(orgId, out var index) && index.Match(value.AsSpan(), ids);

    public bool IsMatch(long orgId, string value) => _byOrg.TryGetValue(orgId, out var index) && index.IsMatch(value.AsSpan());

    /// <summary>
    /// Indexes indicators stored since the last catch-up and the newest few below it (with <paramref name="reread"/>,
    /// the background's wider window).
    /// </summary>
    public async Task CatchUpAsync(bool reread, CancellationToken ct)
    {
        await _catchUp.WaitAsync(ct);
        try
        {
            // Rows an import committed and queued first: indexed from memory, they are not read back below.
            IndexQueued();
            var after = Math.Max(0, Volatile.Read(ref _maxId) - (reread ? Window : RecentWindow));
            while (true)
            {
                var from = after;
                var rows = (await db.ReadAsync(c => c.QueryAsync<(long Id, long OrgId, string Type, string Value)>(
                    "SELECT id, org_id, type, value FROM indicators WHERE id > @from ORDER BY id LIMIT @page", new { from, page = Page }), ct)).AsList();
                foreach (var r in rows)
                    Index(_byOrg.GetOrAdd(r.OrgId, _ => new IndicatorIndex()), r.Id, r.Type, r.Value);
                if (rows.Count > 0)
                {
                    after = rows[^1].Id;
                    if (after > Volatile.Read(ref _maxId))
                        Volatile.Write(ref _maxId, after);
                }
                if (rows.Count < Page)
                    return;
            }
        }
        finally
        {
            _catchUp.Release();
        }
    }

    void Index(IndicatorIndex index, long id, string type, string value)
    {
        try
        {
            index.Add(id, type, value);
        }
        catch (ArgumentException e)
        {
            // The store only keeps normalized values of known types; one that is not is a bug to see, not to stop on.
            Unindexable(log, id, type, e.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval);
        do
        {
            try
            {
                await CatchUpAsync(reread: _loaded.Task.IsCompleted, stoppingToken);
                if (_loaded.TrySetResult())
                    LoadedAll(log, Count);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                CatchUpFailed(log, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Intel index loaded: {Count} indicators")]
    static partial void LoadedAll(ILogger logger, int count);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "Intel index catch-up failed; retrying")]
    static partial void CatchUpFailed(ILogger logger, Exception e);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "Indicator {Id} ({Type}) not indexed: {Reason}")]
    static partial void Unindexable(ILogger logger, long id, string type, string reason);
}
