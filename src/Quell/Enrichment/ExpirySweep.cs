using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quell.Jobs;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Enrichment;

/// <summary>
/// Re-enrichment on expiry: every <see cref="EnrichmentOptions.ExpirySweepInterval"/> it reads reports whose
/// <c>expires_at</c> has passed and that no sweep has looked at yet (at most <see cref="EnrichmentOptions.ExpirySweepBatch"/>),
/// and queues the analyzer again on the value when that report is still the newest of its analyzer and value, the
/// analyzer is enabled with an <c>auto</c> mode, and the value is an observable of an open alert (new, updated) or an
/// open case (new, in progress, not merged) of a kind the mode covers. Each looked-at report is marked, so a value in no
/// open alert is not read again; if it reappears in one later, intake queues it. On PostgreSQL one node at a time
/// sweeps (an advisory lock); the others skip.
/// </summary>
public sealed partial class ExpirySweep(Db db, AnalyzerCatalogue catalogue, EnrichmentQueue queue, TimeProvider time, IOptions<EnrichmentOptions> options,
    ILogger<ExpirySweep> log) : BackgroundService
{
    /// <summary>The advisory lock one node holds while it sweeps (PostgreSQL).</summary>
    internal const long PostgresSweepLock = 0x5155454C4C20;

    sealed class Due
    {
        public long Id { get; set; }
        public long OrgId { get; set; }
        public string Analyzer { get; set; } = "";
        public string DataType { get; set; } = "";
        public string Data { get; set; } = "";
        public string DataKey { get; set; } = "";
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Periodic.RunAsync(options.Value.ExpirySweepInterval, time, SweepAsync, e => Failed(log, e), stoppingToken);

    /// <summary>One sweep; returns how many analyzer runs it queued (0 when another node holds the sweep).</summary>
    public Task<int> SweepAsync(CancellationToken ct = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            if (db.IsPostgres && !await c.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_xact_lock(@k)", new { k = PostgresSweepLock }, tx))
                return 0;
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var due = (await c.QueryAsync<Due>("""
                SELECT id AS Id, org_id AS OrgId, analyzer AS Analyzer, data_type AS DataType, data AS Data, data_key AS DataKey FROM analyzer_reports
                WHERE expires_at IS NOT NULL AND swept_at IS NULL AND expires_at <= @now
                ORDER BY expires_at, id LIMIT @n
                """, new { now, n = options.Value.ExpirySweepBatch }, tx)).AsList();
            var settings = new Dictionary<long, Dictionary<string, AnalyzerSettings>>();
            var queued = 0;
            foreach (var d in due)
            {
                if (!settings.TryGetValue(d.OrgId, out var org))
                    settings[d.OrgId] = org = await AnalyzerStore.SettingsAsync(c, d.OrgId, tx);
                if (org.GetValueOrDefault(d.Analyzer) is not { Enabled: true } s || s.Auto == AutoModes.Off
                    || catalogue.Definition(d.Analyzer) is not { } definition)
                    continue;
                var newest = await c.ExecuteScalarAsync<long>(
                    "SELECT MAX(id) FROM analyzer_reports WHERE org_id = @OrgId AND data_key = @DataKey AND analyzer = @Analyzer", d, tx);
                if (newest != d.Id || await OpenObservableAsync(c, tx, d, s.Auto) is not { } observable)
                    continue;
                await queue.QueueAsync(c, tx, d.OrgId, observable, [EffectiveSettings.Of(definition, s)], now);
                queued++;
            }
            if (due.Count > 0)
                await c.ExecuteAsync($"UPDATE analyzer_reports SET swept_at = @now WHERE {Db.In(c, "id", "@ids")}", new { now, ids = due.Select(d => d.Id).ToArray() }, tx);
            if (queued > 0)
                Queued(log, queued, due.Count);
            return queued;
        }, ct);

    /// <summary>The newest observable with the value in an open alert (when the mode covers alerts), else in an open case.</summary>
    async Task<ObservableRef?> OpenObservableAsync(DbConnection c, DbTransaction tx, Due d, string auto)
    {
        var (column, keys) = ObservableStore.LookupKeys(db, [d.Data]);
        var p = new { org = d.OrgId, key = keys[0], type = d.DataType, data = d.Data };
        if (AutoModes.Allows(auto, "alert")
            && await c.QueryFirstOrDefaultAsync<ObservableRef>($"""
                SELECT 'alert' AS Kind, o.id AS Id, o.alert_id AS OwnerId, o.data_type AS DataType, o.data AS Data, a.tlp AS Tlp, a.pap AS Pap
                FROM alert_observables o JOIN alerts a ON a.id = o.alert_id
                WHERE o.org_id = @org AND o.{column} = @key AND o.data_type = @type AND o.data = @data AND a.status IN ('new', 'updated')
                ORDER BY o.id DESC LIMIT 1
                """, p, tx) is { } alert)
            return alert;
        if (AutoModes.Allows(auto, "case"))
            return await c.QueryFirstOrDefaultAsync<ObservableRef>($"""
                SELECT 'case' AS Kind, o.id AS Id, o.case_id AS OwnerId, o.data_type AS DataType, o.data AS Data, k.tlp AS Tlp, k.pap AS Pap
                FROM case_observables o JOIN cases k ON k.id = o.case_id
                WHERE o.org_id = @org AND o.{column} = @key AND o.data_type = @type AND o.data = @data
                  AND k.status IN ('new', 'in-progress') AND k.merged_into IS NULL
                ORDER BY o.id DESC LIMIT 1
                """, p, tx);
        return null;
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Expiry sweep queued {Queued} analyzer run(s) for {Due} expired report(s)")]
    static partial void Queued(ILogger logger, int queued, int due);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "Expiry sweep failed; retrying at the next interval")]
    static partial void Failed(ILogger logger, Exception e);
}
