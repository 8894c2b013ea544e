using System.Data.Common;
using System.Text.Json;
using Dapper;
using Quell.Intel.Decay;

namespace Quell.Intel.Indicators;

/// <summary>Reads of indicators with what their views need: source names, sighting summaries, details of one.</summary>
public static class IndicatorReads
{
    /// <summary>Sightings listed on one indicator's view (counts cover all).</summary>
    public const int RecentSightings = 20;

    public static Task<IndicatorRow?> GetRowAsync(DbConnection c, long orgId, long id, DbTransaction? tx = null) =>
        c.QuerySingleOrDefaultAsync<IndicatorRow>($"SELECT {IndicatorRow.Columns} FROM indicators i WHERE i.org_id = @orgId AND i.id = @id", new { orgId, id }, tx);

    /// <summary>Views of <paramref name="rows"/> in their order, scored at <paramref name="now"/>.</summary>
    public static async Task<List<IndicatorView>> ViewsAsync(DbConnection c, IReadOnlyList<IndicatorRow> rows, DateTimeOffset now, DbTransaction? tx = null)
    {
        if (rows.Count == 0)
            return [];
        var ids = rows.Select(r => r.Id).ToArray();
        var sources = await SourceNamesAsync(c, ids, tx);
        var sightings = await SightingSummariesAsync(c, ids, tx);
        return rows.Select(r => IndicatorView.From(r, sources.GetValueOrDefault(r.Id) ?? [],
            IndicatorView.ScoreOf(r, sightings.GetValueOrDefault(r.Id) ?? SightingSummary.None, now), detailed: false)).ToList();
    }

    public static async Task<IndicatorView?> GetViewAsync(DbConnection c, long orgId, long id, DateTimeOffset now, DbTransaction? tx = null)
    {
        var row = await GetRowAsync(c, orgId, id, tx);
        if (row is null)
            return null;
        var summary = (await SightingSummariesAsync(c, [id], tx)).GetValueOrDefault(id) ?? SightingSummary.None;
        var sources = (await c.QueryAsync<(string Kind, string Name, long? FeedId, string? SourceRef, long First, long Last, string? Context)>(
            "SELECT source_kind, source_name, feed_id, source_ref, first_reported, last_reported, context FROM indicator_sources WHERE indicator_id = @id ORDER BY first_reported, source_key",
            new { id }, tx)).Select(s => new SourceView(s.Kind, s.Name, s.FeedId, s.SourceRef,
                DateTimeOffset.FromUnixTimeMilliseconds(s.First), DateTimeOffset.FromUnixTimeMilliseconds(s.Last),
                s.Context is null ? null : JsonSerializer.Deserialize<StoredContext>(s.Context, IndicatorJson.Options))).ToList();
        var recent = (await c.QueryAsync<(long Id, string Type, string Source, long At, string? Note)>(
            "SELECT id, type, source, at, note FROM indicator_sightings WHERE indicator_id = @id AND withdrawn_at IS NULL ORDER BY at DESC, id DESC LIMIT @limit",
            new { id, limit = RecentSightings }, tx)).Select(s => new SightingView(s.Id, s.Type, s.Source, DateTimeOffset.FromUnixTimeMilliseconds(s.At), s.Note)).ToList();
        var counts = new Dictionary<string, int>
        {
            [SightingTypes.Seen] = summary.Seen,
            [SightingTypes.FalsePositive] = summary.FalsePositive,
            [SightingTypes.Expiration] = summary.Expiration,
            [SightingTypes.TruePositive] = summary.TruePositive,
        };
        var latest = new Dictionary<string, DateTimeOffset>();
        foreach (var (type, at) in new[] { (SightingTypes.Seen, summary.LastSeenAt), (SightingTypes.FalsePositive, summary.LastFalsePositiveAt), (SightingTypes.Expiration, summary.LastExpirationAt), (SightingTypes.TruePositive, summary.LastTruePositiveAt) })
            if (at is { } ms)
                latest[type] = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        return IndicatorView.From(row, sources.Select(s => s.Name).ToList(), IndicatorView.ScoreOf(row, summary, now), detailed: true,
            sources, new SightingsView(counts, latest, recent), await Flagging.ObservableIntelReads.CountAsync(c, id, tx));
    }

    static async Task<Dictionary<long, List<string>>> SourceNamesAsync(DbConnection c, long[] ids, DbTransaction? tx)
    {
        var p = new DynamicParameters();
        var inIds = IndicatorWrites.InList(c, p, "indicator_id", "ids", ids);
        var result = new Dictionary<long, List<string>>();
        foreach (var (id, name) in await c.QueryAsync<(long, string)>($"SELECT indicator_id, source_name FROM indicator_sources WHERE {inIds} ORDER BY indicator_id, first_reported, source_key", p, tx))
        {
            if (!result.TryGetValue(id, out var names))
                result[id] = names = [];
            names.Add(name);
        }
        return result;
    }

    public static async Task<Dictionary<long, SightingSummary>> SightingSummariesAsync(DbConnection c, long[] ids, DbTransaction? tx = null)
    {
        var p = new DynamicParameters();
        var inIds = IndicatorWrites.InList(c, p, "indicator_id", "ids", ids);
        var result = new Dictionary<long, SightingSummary>();
        foreach (var (id, type, n, last) in await c.QueryAsync<(long, string, long, long)>(
                     $"SELECT indicator_id, type, COUNT(*), MAX(at) FROM indicator_sightings WHERE {inIds} AND withdrawn_at IS NULL GROUP BY indicator_id, type", p, tx))
        {
            var s = result.GetValueOrDefault(id) ?? SightingSummary.None;
            var count = (int)n;
            result[id] = type switch
            {
                SightingTypes.Seen => s with { Seen = count, LastSeenAt = last },
                SightingTypes.FalsePositive => s with { FalsePositive = count, LastFalsePositiveAt = last },
                SightingTypes.Expiration => s with { Expiration = count, LastExpirationAt = last },
                SightingTypes.TruePositive => s with { TruePositive = count, LastTruePositiveAt = last },
                _ => s,
            };
        }
        return result;
    }
}
