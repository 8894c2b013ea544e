using System.Data.Common;
using Dapper;
using Quell.Audit;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Alerts;

public sealed partial class AlertStore
{
    // Eighteen values a row: 30 rows are 540 parameters on PostgreSQL (limit 65,535); SQLite gets them as one JSON
    // parameter (MultiRowValues), as names would bind in quadratic time there (decision 161).
    const int AlertsPerInsert = 30;
    const int TagsPerInsert = 150;

    /// <summary>
    /// <see cref="UpsertAsync"/> for many alerts of one organisation in one transaction, with the same rows, tags,
    /// observables, enrichment requests and audit entries, in multi-row statements: new alerts are inserted in chunks
    /// (<c>ON CONFLICT DO NOTHING RETURNING</c>), and only those whose source reference exists already (or repeats in
    /// the list) go through <see cref="UpsertAsync"/> one by one. Results are in the order of <paramref name="inputs"/>.
    /// </summary>
    public async Task<IReadOnlyList<UpsertResult>> UpsertManyAsync(DbConnection c, DbTransaction tx, long orgId, IReadOnlyList<AlertInput> inputs, string actor, long now)
    {
        var results = new UpsertResult?[inputs.Count];
        var firsts = new List<int>();
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < inputs.Count; i++)
            if (seen.Add((inputs[i].Source, inputs[i].SourceRef)))
                firsts.Add(i);
        var created = new List<(long Id, AlertInput Input)>();
        foreach (var chunk in firsts.Chunk(AlertsPerInsert))
        {
            var ids = await InsertNewAsync(c, tx, orgId, chunk.Select(i => inputs[i]).ToList(), now);
            foreach (var i in chunk)
                if (ids.TryGetValue((inputs[i].Source, inputs[i].SourceRef), out var id))
                {
                    results[i] = new UpsertResult(id, true);
                    created.Add((id, inputs[i]));
                }
        }
        await InsertTagsManyAsync(c, tx, orgId, created);
        var owners = created.Select(a => (ObservableOwner.Alert(a.Id, orgId), (IReadOnlyList<ObservableInput>)a.Input.Observables)).ToList();
        await ObservableStore.InsertNewManyAsync(c, tx, owners, now);
        foreach (var (owner, observables) in owners)
            await autoEnrichment.AddedAsync(c, tx, owner, observables, now);
        await audit.AppendManyAsync(c, tx, [.. created.Select(a =>
            new AuditEntry(orgId, actor, "alert.create", "alert", Id(a.Id), null, Summary(a.Input, a.Input.Observables.Count)))]);
        // Existing alerts (and repeats within the list) are updated as one post each would update them.
        for (var i = 0; i < inputs.Count; i++)
            results[i] ??= await UpsertAsync(c, tx, orgId, inputs[i], actor, now);
        return results!;
    }

    /// <summary>Inserts the alerts that are new; returns the ids of those inserted by (source, sourceRef).</summary>
    static async Task<Dictionary<(string, string), long>> InsertNewAsync(DbConnection c, DbTransaction tx, long orgId, List<AlertInput> chunk, long now)
    {
        var p = new DynamicParameters();
        var values = MultiRowValues.Rows(c, p, chunk, _ => orgId, a => a.Type, a => a.Source, a => a.SourceRef, a => a.Title, a => a.Description, a => a.Severity,
            a => (int)a.Tlp, a => (int)a.Pap, _ => AlertStatus.New, _ => false, a => JsonColumns.Of(a.Tags), a => a.Date ?? now, a => a.FirstEvidenceAt,
            _ => now, _ => now, a => a.Observables.Count, a => a.Raw);
        var rows = await c.QueryAsync<(long Id, string Source, string SourceRef)>($"""
            INSERT INTO alerts (org_id, type, source, source_ref, title, description, severity, tlp, pap, status, is_read, tags, date,
                                first_evidence_at, created_at, updated_at, observable_count, raw)
            {values}
            ON CONFLICT (org_id, source, source_ref) DO NOTHING
            RETURNING id, source, source_ref
            """, p, tx);
        return rows.ToDictionary(r => (r.Source, r.SourceRef), r => r.Id);
    }

    static async Task InsertTagsManyAsync(DbConnection c, DbTransaction tx, long orgId, List<(long Id, AlertInput Input)> alerts)
    {
        var rows = alerts.SelectMany(a => a.Input.Tags.Select(t => (a.Id, Tag: t))).ToList();
        foreach (var chunk in rows.Chunk(TagsPerInsert))
        {
            var p = new DynamicParameters();
            var values = MultiRowValues.Rows(c, p, chunk, r => r.Id, _ => orgId, r => r.Tag);
            await c.ExecuteAsync($"INSERT INTO alert_tags (alert_id, org_id, tag) {values} ON CONFLICT DO NOTHING", p, tx);
        }
    }
}
