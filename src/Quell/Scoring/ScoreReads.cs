using System.Data.Common;
using System.Text.Json;
using Dapper;
using Quell.Alerts;
using Quell.Cases;
using Quell.Enrichment;
using Quell.Intel.Flagging;
using Quell.Observables;

namespace Quell.Scoring;

/// <summary>What an alert or case is scored from, read from the store: its observables' newest successful analyzer
/// reports, live intel matches, earlier decisions, allowlist entries, and the organisation's source reliabilities.</summary>
public static class ScoreReads
{
    /// <summary>An owner's observables and their evidence, or null when the owner is not in the organisation.</summary>
    public sealed record Owner(string Of, long Id, string? KindKey, IReadOnlyList<Observable> Observables, IReadOnlyList<ObservableEvidence> Evidence,
        HistoryCounts KindHistory, IReadOnlyDictionary<string, SourceRecord> Reliability)
    {
        public OwnerScore Score(Scorer scorer) => scorer.Combine(Of, Id, Evidence, Reliability, KindHistory);
    }

    /// <summary>Alerts of one kind (same type and source) share their history.</summary>
    public static string KindKey(AlertRow a) => a.Type + "\n" + a.Source;

    public static async Task<Owner?> LoadAsync(DbConnection c, long orgId, string of, long id, DateTimeOffset now, DbTransaction? tx = null)
    {
        string? kindKey;
        ObservableOwner owner;
        if (of == FlagSource.AlertKind)
        {
            var alert = await AlertStore.GetRowAsync(c, orgId, id, tx);
            if (alert is null)
                return null;
            kindKey = KindKey(alert);
            owner = ObservableOwner.Alert(id, orgId);
        }
        else
        {
            if (await CaseStore.GetRowAsync(c, orgId, id, tx) is null)
                return null;
            kindKey = null;
            owner = ObservableOwner.Case(id, orgId);
        }
        var observables = await ObservableStore.ListAsync(c, owner, tx);
        await ObservableIntelReads.AttachAsync(c, orgId, of, id, observables, now, tx);
        var keys = observables.Select(o => AnalyzerStore.DataKey(o.DataType, o.Data)).ToArray();
        var nowMs = now.ToUnixTimeMilliseconds();

        var reports = (await c.QueryAsync<(string DataKey, string Analyzer, string Level, string Taxonomies)>($"""
            SELECT data_key, analyzer, level, taxonomies FROM analyzer_reports r
            WHERE r.org_id = @orgId AND r.status = 'success' AND r.level IS NOT NULL AND {Storage.Db.In(c, "r.data_key", "@keys")}
              AND r.id = (SELECT MAX(l.id) FROM analyzer_reports l WHERE l.org_id = r.org_id AND l.data_key = r.data_key AND l.analyzer = r.analyzer AND l.status = 'success')
            ORDER BY r.analyzer
            """, new { orgId, keys }, tx)).ToLookup(r => r.DataKey);
        var history = await HistoryAsync(c, orgId, of, id, keys, tx);
        var allowed = (await c.QueryAsync<(string DataKey, string Reason, long? ExpiresAt)>($"""
            SELECT data_key, reason, expires_at FROM score_allowlist
            WHERE org_id = @orgId AND {Storage.Db.In(c, "data_key", "@keys")} AND (expires_at IS NULL OR expires_at > @nowMs)
            ORDER BY id
            """, new { orgId, keys, nowMs }, tx)).ToLookup(r => r.DataKey);

        var evidence = new ObservableEvidence[observables.Count];
        for (var i = 0; i < observables.Count; i++)
        {
            var o = observables[i];
            var items = new List<Evidence>();
            foreach (var m in o.Intel ?? [])
                items.Add(new Evidence(Scorer.IntelSource, m.Score >= IntelAnalyzerThreshold ? Levels.Malicious : Levels.Suspicious,
                    $"{m.Type}={m.Value} ({string.Join(", ", m.Sources.Take(3))})", m.IndicatorId, Math.Round(m.Score, 1)));
            foreach (var r in reports[keys[i]])
            {
                // The matcher's live matches carry the decayed score; the intel analyzer's report adds only what they lack (a warninglist's "safe").
                if (r.Analyzer == Scorer.IntelSource && o.Intel is { Count: > 0 })
                    continue;
                items.Add(new Evidence(r.Analyzer, r.Level, TaxonomyOf(r.Level, r.Taxonomies)));
            }
            var h = history.GetValueOrDefault(keys[i]);
            var allow = allowed[keys[i]].FirstOrDefault();
            evidence[i] = new ObservableEvidence
            {
                Id = o.Id,
                DataType = o.DataType,
                Data = o.Data,
                Items = items,
                History = h,
                Allowlisted = allow.Reason is null ? null
                    : $"allowlisted: {allow.Reason}{(allow.ExpiresAt is { } e ? $" (until {DateTimeOffset.FromUnixTimeMilliseconds(e):yyyy-MM-dd HH:mm}Z)" : "")}",
            };
        }

        var kindHistory = default(HistoryCounts);
        if (kindKey is not null)
            foreach (var v in await c.QueryAsync<string>(
                "SELECT verdict FROM score_decisions WHERE org_id = @orgId AND kind_key = @kindKey AND superseded = @no AND NOT (owner_kind = @of AND owner_id = @id)",
                new { orgId, kindKey, no = false, of, id }, tx))
                kindHistory = kindHistory.Add(v);
        return new Owner(of, id, kindKey, observables, evidence, kindHistory, await ReliabilityAsync(c, orgId, tx));
    }

    /// <summary>Standing earlier decisions on each of <paramref name="keys"/>' values, the alert or case itself excluded.</summary>
    static async Task<Dictionary<string, HistoryCounts>> HistoryAsync(DbConnection c, long orgId, string of, long id, string[] keys, DbTransaction? tx)
    {
        var counts = new Dictionary<string, HistoryCounts>(StringComparer.Ordinal);
        foreach (var (key, verdict) in await c.QueryAsync<(string DataKey, string Verdict)>($"""
            SELECT v.data_key, v.verdict FROM score_decision_values v JOIN score_decisions d ON d.id = v.decision_id
            WHERE v.org_id = @orgId AND {Storage.Db.In(c, "v.data_key", "@keys")} AND d.superseded = @no AND NOT (d.owner_kind = @of AND d.owner_id = @id)
            """, new { orgId, keys, no = false, of, id }, tx))
            counts[key] = counts.GetValueOrDefault(key).Add(verdict);
        return counts;
    }

    /// <summary>Sets <see cref="Observable.History"/> ("seen in 2 earlier alerts/cases: …") on an alert's or case's observables.</summary>
    public static async Task AttachHistoryAsync(DbConnection c, long orgId, string of, long id, IReadOnlyList<Observable>? observables)
    {
        if (observables is null || observables.Count == 0)
            return;
        var keys = observables.Select(o => AnalyzerStore.DataKey(o.DataType, o.Data)).ToArray();
        var history = await HistoryAsync(c, orgId, of, id, keys, null);
        for (var i = 0; i < observables.Count; i++)
            observables[i].History = history.GetValueOrDefault(keys[i]).Summary(HistoryWhat);
    }

    /// <summary>What earlier decisions were about, in history notes.</summary>
    public const string HistoryWhat = "alerts/cases";

    const double IntelAnalyzerThreshold = Enrichment.Analyzers.IntelAnalyzer.MaliciousScore;

    public static async Task<IReadOnlyDictionary<string, SourceRecord>> ReliabilityAsync(DbConnection c, long orgId, DbTransaction? tx = null) =>
        (await c.QueryAsync<(string Source, long Agree, long Disagree)>(
            "SELECT source, agree, disagree FROM source_reliability WHERE org_id = @orgId", new { orgId }, tx))
        .ToDictionary(r => r.Source, r => new SourceRecord(r.Agree, r.Disagree), StringComparer.Ordinal);

    /// <summary>The taxonomy that set the report's level, as "namespace:predicate=value".</summary>
    static string? TaxonomyOf(string level, string json)
    {
        var list = JsonSerializer.Deserialize<List<Taxonomy>>(json, AnalyzerReport.Json) ?? [];
        var t = list.FirstOrDefault(t => t.Level == level) ?? list.FirstOrDefault();
        return t is null ? null : $"{t.Namespace}:{t.Predicate}={t.Value}";
    }
}
