using System.Data.Common;
using Dapper;

namespace Quell.Events.Assets;

/// <summary>One asset (a host named in events) or source (a shipper's source name) and when it was heard from.</summary>
public sealed record AssetRow(string Kind, string Name, long FirstSeen, long LastSeen, long Events, long? ExpectedIntervalMs, long? SilentAlertedAt);

/// <summary>
/// The inventory of what sends events: each source and each host (<c>host.name</c>, else <c>host.hostname</c>,
/// <c>agent.name</c>, the Windows computer), with first and last time heard from and a count. Kept per batch; a batch
/// from a silent asset clears its silence so that the next silence is reported again.
/// </summary>
public static class AssetInventory
{
    public const string Host = "host";
    public const string Source = "source";
    public const int MaxNameLength = 255;

    /// <summary>Where an event names its host, in order of preference.</summary>
    public static readonly string[] HostFields = ["host.name", "host.hostname", "agent.name", "Event.System.Computer"];

    /// <summary>The assets a batch names, with how many of its events each sent.</summary>
    public static Dictionary<(string Kind, string Name), long> Count(string source, IReadOnlyList<IncomingEvent> events)
    {
        var counts = new Dictionary<(string, string), long> { [(Source, Clip(source))] = events.Count };
        foreach (var e in events)
            foreach (var field in HostFields)
                if (e.Fields.TryGetValue(field, out var v) && v is string { Length: > 0 } name)
                {
                    var key = (Host, Clip(name.ToLowerInvariant()));
                    counts[key] = counts.GetValueOrDefault(key) + 1;
                    break;
                }
        return counts;
    }

    static string Clip(string s) => s.Length <= MaxNameLength ? s : s[..MaxNameLength];

    public static async Task RecordAsync(DbConnection c, DbTransaction tx, long orgId, Dictionary<(string Kind, string Name), long> counts, long now)
    {
        foreach (var ((kind, name), events) in counts.OrderBy(k => k.Key.Kind, StringComparer.Ordinal).ThenBy(k => k.Key.Name, StringComparer.Ordinal))
            await c.ExecuteAsync("""
                INSERT INTO event_assets (org_id, kind, name, first_seen, last_seen, events) VALUES (@orgId, @kind, @name, @now, @now, @events)
                ON CONFLICT (org_id, kind, name) DO UPDATE SET
                  last_seen = CASE WHEN excluded.last_seen > event_assets.last_seen THEN excluded.last_seen ELSE event_assets.last_seen END,
                  events = event_assets.events + excluded.events,
                  silent_alerted_at = NULL
                """, new { orgId, kind, name, now, events }, tx);
    }

    public static async Task<List<AssetRow>> ListAsync(DbConnection c, long orgId, string? kind, int limit) =>
        (await c.QueryAsync<AssetRow>("""
            SELECT kind AS Kind, name AS Name, first_seen AS FirstSeen, last_seen AS LastSeen, events AS Events,
                   expected_interval_ms AS ExpectedIntervalMs, silent_alerted_at AS SilentAlertedAt
            FROM event_assets WHERE org_id = @orgId AND (@kind IS NULL OR kind = @kind) ORDER BY kind, name LIMIT @limit
            """, new { orgId, kind, limit })).AsList();
}
