using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quell.Alerts;
using Quell.Events;
using Quell.Events.Assets;
using Quell.Intel;
using Quell.Intel.Decay;
using Quell.Intel.Indicators;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Detection;

/// <summary>
/// Retro-hunt: every indicator stored is looked up once in the <c>related.*</c> index of the events already stored,
/// newest indicators first by id after a durable cursor. Earlier occurrences raise a <c>quell-intel</c> alert per
/// indicator and asset whose <c>firstEvidenceAt</c> is the earliest matching event, so the case's dwell time
/// (detected − first evidence) is measured. Only events received before the indicator was stored count: later ones are
/// detection's at ingest (the matcher catches up within 2 s, the one gap). The index holds exact values, so addresses, host names and hashes are
/// hunted; CIDR blocks, subdomains and URLs are matched at ingest only. The cursor moves in the transaction that writes
/// the alerts: a restart repeats nothing and skips nothing. An indicator found while it is not live waits and is hunted
/// again when it becomes live (<see cref="RecheckAsync"/>).
/// </summary>
public sealed partial class RetroHunt(EventStore store, AlertStore alerts, TimeProvider time, IOptions<DetectionOptions> options, ILogger<RetroHunt> log) : BackgroundService
{
    const int Page = 1000;
    const int EvidencePerAlert = 20;

    sealed record Indicator(long Id, long OrgId, string Type, string Value, long CreatedAt);

    sealed record Occurrence(long IndicatorId, long EventTime, long EventId, string Partition);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RetroHuntInterval, time);
        do
        {
            try
            {
                while (await HuntAsync(stoppingToken) == Page)
                {
                }
                while (await RecheckAsync(stoppingToken) == Page)
                {
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                Failed(log, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Hunts the next page of new indicators; returns how many were read.</summary>
    public async Task<int> HuntAsync(CancellationToken ct)
    {
        if (await PassedWithoutEventsAsync(ct))
            return 0;
        var (cursor, indicators) = await store.Db.ReadAsync(async c =>
        {
            var after = await c.ExecuteScalarAsync<long>("SELECT last_indicator_id FROM retro_hunt_cursor WHERE one = 1");
            var rows = (await c.QueryAsync<Indicator>(
                "SELECT id AS Id, org_id AS OrgId, type AS Type, value AS Value, created_at AS CreatedAt FROM indicators WHERE id > @after ORDER BY id LIMIT @page",
                new { after, page = Page })).AsList();
            return (after, rows);
        }, ct);
        if (indicators.Count == 0)
            return 0;
        var last = indicators[^1].Id;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // Events stored after the indicator are detection's at ingest; the hunt is for what came before it.
        await HuntAsync(indicators, i => i.CreatedAt, async (c, tx, notLive) =>
        {
            foreach (var i in indicators.Where(i => notLive.Contains(i.Id)))
                await c.ExecuteAsync("INSERT INTO retro_hunt_waiting (indicator_id, org_id, checked_at) VALUES (@Id, @OrgId, @now) ON CONFLICT (indicator_id) DO NOTHING",
                    new { i.Id, i.OrgId, now }, tx);
            await c.ExecuteAsync("UPDATE retro_hunt_cursor SET last_indicator_id = @last WHERE one = 1 AND last_indicator_id = @cursor", new { last, cursor }, tx);
        }, ct);
        return indicators.Count;
    }

    /// <summary>
    /// With no event stored at all there is nothing to hunt in: the cursor moves past every indicator stored so far in
    /// one statement instead of reading them page by page (a 1 M-indicator feed pull on a fresh server was a thousand
    /// reads and a thousand cursor writes beside the import). True when there was nothing to hunt.
    /// </summary>
    async Task<bool> PassedWithoutEventsAsync(CancellationToken ct)
    {
        var (cursor, last) = await store.Db.ReadAsync(async c => (
            await c.ExecuteScalarAsync<long>("SELECT last_indicator_id FROM retro_hunt_cursor WHERE one = 1"),
            await c.ExecuteScalarAsync<long?>("SELECT MAX(id) FROM indicators") ?? 0), ct);
        if (last <= cursor)
            return true;
        // Listed after the highest id was read: an event received before one of those indicators was stored is in a
        // partition listed here (one still being written is detection's at ingest, as in the paged hunt).
        if ((await store.PartitionsAsync(ct)).Count > 0)
            return false;
        await store.Db.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE retro_hunt_cursor SET last_indicator_id = @last WHERE one = 1 AND last_indicator_id = @cursor",
            new { last, cursor }, tx), ct);
        return true;
    }

    /// <summary>
    /// Indicators found in stored events while not live (expired, suppressed, warninglisted) wait; one is hunted again
    /// when its row changes (a source reports it again, an analyst edits it) and at least every
    /// <see cref="DetectionOptions.RetroHuntRecheckInterval"/> (warninglists change without touching it). Once live,
    /// every stored event counts: those that came while it was not live were not alerted at ingest. Returns how many
    /// waiting indicators were checked.
    /// </summary>
    public async Task<int> RecheckAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var stale = now - (long)options.Value.RetroHuntRecheckInterval.TotalMilliseconds;
        var indicators = await store.Db.ReadAsync(async c => (await c.QueryAsync<Indicator>("""
            SELECT i.id AS Id, i.org_id AS OrgId, i.type AS Type, i.value AS Value, i.created_at AS CreatedAt
            FROM retro_hunt_waiting w JOIN indicators i ON i.id = w.indicator_id
            WHERE i.updated_at > w.checked_at OR w.checked_at <= @stale ORDER BY w.indicator_id LIMIT @page
            """, new { stale, page = Page })).AsList(), ct);
        if (indicators.Count == 0)
            return 0;
        await HuntAsync(indicators, _ => long.MaxValue, async (c, tx, notLive) =>
        {
            var done = indicators.Select(i => i.Id).Where(id => !notLive.Contains(id)).ToArray();
            var waiting = notLive.ToArray();
            if (done.Length > 0)
                await c.ExecuteAsync($"DELETE FROM retro_hunt_waiting WHERE {Db.In(c, "indicator_id", "@done")}", new { done }, tx);
            if (waiting.Length > 0)
                await c.ExecuteAsync($"UPDATE retro_hunt_waiting SET checked_at = @now WHERE {Db.In(c, "indicator_id", "@waiting")}", new { now, waiting }, tx);
        }, ct);
        return indicators.Count;
    }

    /// <summary>
    /// Looks <paramref name="indicators"/> up in the stored events received before each one's cutoff and alerts the live
    /// ones; <paramref name="finish"/> runs in the same transaction with the ids of those found but not live.
    /// </summary>
    async Task HuntAsync(List<Indicator> indicators, Func<Indicator, long> cutoff, Func<DbConnection, DbTransaction, HashSet<long>, Task> finish, CancellationToken ct)
    {
        var db = store.Db;
        var started = time.GetTimestamp();
        var occurrences = new List<Occurrence>();
        foreach (var org in indicators.GroupBy(i => i.OrgId))
        {
            var byValue = new Dictionary<string, List<long>>(StringComparer.Ordinal);
            foreach (var i in org)
                foreach (var value in Huntable(i.Type, i.Value))
                {
                    if (!byValue.TryGetValue(value, out var ids))
                        byValue[value] = ids = [];
                    ids.Add(i.Id);
                }
            if (byValue.Count > 0)
                occurrences.AddRange(await OccurrencesAsync(org.Key, byValue, ct));
        }
        var lookedUp = time.GetTimestamp();
        var now = time.GetUtcNow();
        var found = occurrences.Count == 0 ? [] : await EvidenceAsync(occurrences, ct);
        var until = indicators.ToDictionary(i => i.Id, cutoff);
        occurrences.RemoveAll(o => !found.TryGetValue(o.EventId, out var e) || e.ReceivedAt >= until[o.IndicatorId]);
        var views = occurrences.Count == 0 ? [] : await db.ReadAsync(async c =>
        {
            var ids = occurrences.Select(o => o.IndicatorId).Distinct().ToArray();
            var rows = (await c.QueryAsync<IndicatorRow>($"SELECT {IndicatorRow.Columns} FROM indicators i WHERE {Db.In(c, "i.id", "@ids")}", new { ids })).AsList();
            return (await IndicatorReads.ViewsAsync(c, rows, now)).ToDictionary(v => v.Id);
        }, ct);
        var read = time.GetTimestamp();
        var notLive = new HashSet<long>();
        var orgOf = indicators.ToDictionary(i => i.Id, i => i.OrgId);
        var planned = new List<PlannedAlert>();
        foreach (var group in occurrences.GroupBy(o => o.IndicatorId))
        {
            if (!views.TryGetValue(group.Key, out var view))
                continue;
            // As at ingest, only live indicators alert; the others wait (RecheckAsync).
            if (view.Suppressed || view.Expired || view.Warninglists.Count > 0)
            {
                notLive.Add(view.Id);
                continue;
            }
            foreach (var byAsset in group.GroupBy(o => found.TryGetValue(o.EventId, out var e) ? e.Asset : "unknown"))
                planned.Add(new PlannedAlert(orgOf[group.Key], view.Id, byAsset.Key, byAsset.Count(), AlertOf(view, byAsset.Key, [.. byAsset], found, now)));
        }
        var nowMs = now.ToUnixTimeMilliseconds();
        await db.WriteAsync(async (c, tx) =>
        {
            // One hunt raises thousands of alerts: they are written in multi-row statements, not one upsert each.
            foreach (var org in planned.GroupBy(p => p.OrgId))
            {
                var list = org.ToList();
                var results = await alerts.UpsertManyAsync(c, tx, org.Key, [.. list.Select(p => p.Input)], DetectingEventSink.IntelSource, nowMs);
                foreach (var byIndicator in list.Zip(results).Where(x => x.Second.Created).GroupBy(x => x.First.IndicatorId))
                    await IndicatorSightings.AddManyAsync(c, tx, org.Key, byIndicator.Key, SightingTypes.Seen, DetectingEventSink.IntelSource, nowMs,
                        [.. byIndicator.Select(x => $"retro-hunt: {x.First.Events} earlier event(s) on {Short(x.First.Asset, 200)} (alert {x.Second.Id})")]);
            }
            await finish(c, tx, notLive);
        }, ct);
        if (occurrences.Count > 0)
            Hunted(log, indicators.Count, occurrences.Select(o => o.IndicatorId).Distinct().Count() - notLive.Count, planned.Count,
                (long)time.GetElapsedTime(started, lookedUp).TotalMilliseconds, (long)time.GetElapsedTime(lookedUp, read).TotalMilliseconds,
                (long)time.GetElapsedTime(read).TotalMilliseconds);
    }

    /// <summary>An alert a hunt is about to write: the indicator, the asset, how many of its events matched.</summary>
    sealed record PlannedAlert(long OrgId, long IndicatorId, string Asset, int Events, AlertInput Input);

    /// <summary>The values of an indicator that the related index can hold: addresses, host names, hashes (and the hash of a composite).</summary>
    static IEnumerable<string> Huntable(string type, string value)
    {
        if (IndicatorTypes.Parts(type) is { } parts)
        {
            var bar = value.IndexOf('|', StringComparison.Ordinal);
            return bar < 0 ? [] : Huntable(parts[0], value[..bar]).Concat(Huntable(parts[1], value[(bar + 1)..]));
        }
        return IndicatorTypes.KindOf(type) switch
        {
            IndicatorKind.Ip when !value.Contains('/', StringComparison.Ordinal) => [value],
            IndicatorKind.Domain => [value],
            IndicatorKind.Hash => [value], // the normalizer lower-cases both sides
            _ => [],
        };
    }

    async Task<List<Occurrence>> OccurrencesAsync(long orgId, Dictionary<string, List<long>> byValue, CancellationToken ct)
    {
        var found = new List<Occurrence>();
        var values = byValue.Keys.ToArray();
        foreach (var p in await store.PartitionsAsync(ct))
        {
            try
            {
                var rows = await store.Db.ReadAsync(async c =>
                {
                    var dp = new DynamicParameters();
                    dp.Add("orgId", orgId);
                    var inValues = IndicatorWrites.InList(c, dp, "value", "values", values);
                    return (await c.QueryAsync<(string Value, long EventTime, long EventId)>(
                        $"SELECT value, event_time, event_id FROM {EventPartitions.RelatedTable(p.Name)} WHERE org_id = @orgId AND {inValues}", dp)).AsList();
                }, ct);
                foreach (var r in rows)
                    foreach (var id in byValue[r.Value])
                        found.Add(new Occurrence(id, r.EventTime, r.EventId, p.Name));
            }
            catch (DbException) when (EventPartitions.Expired(p.Day, p.RetentionDays, time.GetUtcNow()))
            {
                // Retention dropped this partition since it was listed.
            }
        }
        return found;
    }

    sealed record Evidence(long Id, long EventTime, long ReceivedAt, string Source, string Raw, string Asset);

    /// <summary>The events behind the occurrences (a bounded number per indicator), with the asset each is about.</summary>
    async Task<Dictionary<long, Evidence>> EvidenceAsync(List<Occurrence> occurrences, CancellationToken ct)
    {
        var wanted = occurrences.GroupBy(o => o.IndicatorId).SelectMany(g => g.OrderBy(o => o.EventTime).Take(200)).ToList();
        var evidence = new Dictionary<long, Evidence>();
        foreach (var partition in wanted.GroupBy(o => o.Partition))
        {
            var ids = partition.Select(o => o.EventId).Distinct().ToArray();
            try
            {
                var rows = await store.Db.ReadAsync(async c => (await c.QueryAsync<(long Id, long EventTime, long ReceivedAt, string Source, string Raw, string Fields)>(
                    $"SELECT id, event_time, received_at, source, raw, fields FROM {partition.Key} WHERE {Db.In(c, "id", "@ids")}", new { ids })).AsList(), ct);
                foreach (var r in rows)
                    evidence[r.Id] = new Evidence(r.Id, r.EventTime, r.ReceivedAt, r.Source, r.Raw, AssetOf(r.Fields, r.Source));
            }
            catch (DbException)
            {
                // Dropped by retention meanwhile: the occurrence stays, without its event.
            }
        }
        return evidence;
    }

    static string AssetOf(string fields, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(fields);
            foreach (var name in AssetInventory.HostFields)
                if (doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s)
                    return s.ToLowerInvariant();
        }
        catch (JsonException)
        {
        }
        return source;
    }

    static AlertInput AlertOf(IndicatorView i, string asset, List<Occurrence> hits, Dictionary<long, Evidence> evidence, DateTimeOffset now)
    {
        var first = hits.Min(h => h.EventTime);
        var shown = Short(asset, 200);
        var events = hits.OrderBy(h => h.EventTime).Select(h => evidence.GetValueOrDefault(h.EventId)).OfType<Evidence>().Take(EvidencePerAlert)
            .Select(e => new { time = DateTimeOffset.FromUnixTimeMilliseconds(e.EventTime), e.Source, raw = Short(e.Raw, 4096) });
        var raw = JsonSerializer.Serialize(new
        {
            indicator = new { i.Id, i.Type, i.Value, i.Sources, i.Score, i.Tags },
            asset,
            retroHunt = true,
            events,
            eventCount = hits.Count,
        }, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        return new AlertInput
        {
            Type = "retro-hunt",
            Source = DetectingEventSink.IntelSource,
            SourceRef = $"retro:{i.Id}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(asset)))[..16]}",
            Title = Short($"{i.Type} {i.Value} was seen on {shown} before it was known", 250),
            Description = $"Retro-hunt: the indicator **{i.Type}** `{Short(i.Value, 500)}` (score {i.Score:0}, sources: {string.Join(", ", i.Sources)}) " +
                $"occurs in {hits.Count} stored event(s) from **{shown}**, the earliest at {DateTimeOffset.FromUnixTimeMilliseconds(first):u}.",
            Severity = i.Score >= 80 ? 3 : i.Score >= 50 ? 2 : 1,
            Tags = [.. new[] { "quell:intel", "quell:retro-hunt" }.Concat(i.Tags).Distinct().Take(20)],
            Date = now.ToUnixTimeMilliseconds(),
            FirstEvidenceAt = first,
            Raw = raw.Length <= AlertInput.MaxRawBytes / 2 ? raw : raw[..(AlertInput.MaxRawBytes / 2)],
            Observables =
            [
                new ObservableInput { DataType = ObservableTypeOf(i.Type), Data = i.Value, Ioc = true, Sighted = true, Tags = ["quell:intel"] },
                new ObservableInput { DataType = "hostname", Data = shown, Message = "the asset the events came from" },
            ],
        };
    }

    static string ObservableTypeOf(string type) => IndicatorTypes.KindOf(type) switch
    {
        IndicatorKind.Ip => "ip",
        IndicatorKind.Domain => "domain",
        IndicatorKind.Hash => "hash",
        _ => "other",
    };

    static string Short(string s, int max) => s.Length <= max ? s : s[..max] + "…";

    [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "Retro-hunt: {Indicators} indicators hunted, {Found} found in stored events, {Alerts} alerts; related index {LookupMs} ms, events and indicators {ReadMs} ms, alerts built and written in {WriteMs} ms")]
    static partial void Hunted(ILogger logger, int indicators, int found, int alerts, long lookupMs, long readMs, long writeMs);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "Retro-hunt failed; retrying")]
    static partial void Failed(ILogger logger, Exception e);
}
