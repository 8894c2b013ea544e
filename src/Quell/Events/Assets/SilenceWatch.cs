using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quell.Alerts;
using Quell.Jobs;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Events.Assets;

/// <summary>Silence detection (configuration section <c>Events:Silence</c>).</summary>
public sealed class SilenceOptions
{
    /// <summary>How long an asset or source may send nothing before it is reported, unless its own interval is set.</summary>
    public TimeSpan DefaultInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the inventory is checked.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Knowing what you are missing: an asset or source that sent nothing for longer than its expected interval raises one
/// alert (source <c>quell-events</c>, type <c>asset-silent</c>), once per silence: events from it clear the mark, and the
/// next silence is reported again.
/// </summary>
public sealed partial class SilenceWatch(Db db, AlertStore alerts, TimeProvider time, IOptions<SilenceOptions> options, ILogger<SilenceWatch> log) : BackgroundService
{
    public const string AlertSource = "quell-events";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Periodic.RunAsync(options.Value.CheckInterval, time, CheckAsync, e => Failed(log, e), stoppingToken);

    sealed class Silent
    {
        public long OrgId { get; set; }
        public string Kind { get; set; } = "";
        public string Name { get; set; } = "";
        public long LastSeen { get; set; }
        public long? ExpectedIntervalMs { get; set; }
    }

    /// <summary>Reports every asset silent for longer than its interval and not yet reported; returns how many.</summary>
    public async Task<int> CheckAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var fallback = (long)options.Value.DefaultInterval.TotalMilliseconds;
        return await db.WriteAsync(async (c, tx) =>
        {
            var silent = (await c.QueryAsync<Silent>("""
                SELECT org_id AS OrgId, kind AS Kind, name AS Name, last_seen AS LastSeen, expected_interval_ms AS ExpectedIntervalMs
                FROM event_assets
                WHERE silent_alerted_at IS NULL AND last_seen < @now - COALESCE(expected_interval_ms, @fallback)
                ORDER BY org_id, kind, name LIMIT 1000
                """, new { now, fallback }, tx)).AsList();
            foreach (var s in silent)
            {
                var since = DateTimeOffset.FromUnixTimeMilliseconds(s.LastSeen);
                await alerts.UpsertAsync(c, tx, s.OrgId, new AlertInput
                {
                    Type = "asset-silent",
                    Source = AlertSource,
                    SourceRef = $"silent:{s.Kind}:{s.Name}:{s.LastSeen}",
                    Title = $"{(s.Kind == AssetInventory.Host ? "Host" : "Source")} {s.Name} has sent no events since {since:u}",
                    Description = $"The {s.Kind} **{s.Name}** sent nothing for longer than its expected interval ({TimeSpan.FromMilliseconds(s.ExpectedIntervalMs ?? fallback)}). " +
                        "A silent asset is a blind spot: check the shipper, the network path and the host.",
                    Severity = 2,
                    Tags = ["quell:silence"],
                    Date = now,
                    Observables = s.Kind == AssetInventory.Host ? [new ObservableInput { DataType = "hostname", Data = s.Name }] : [],
                }, AlertSource, now);
                await c.ExecuteAsync("UPDATE event_assets SET silent_alerted_at = @now WHERE org_id = @OrgId AND kind = @Kind AND name = @Name",
                    new { now, s.OrgId, s.Kind, s.Name }, tx);
            }
            return silent.Count;
        }, ct);
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Warning, Message = "Silence check failed; retrying")]
    static partial void Failed(ILogger logger, Exception e);
}
