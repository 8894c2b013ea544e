using System.Data.Common;
using Dapper;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Enrichment;

/// <summary>
/// Queues, in the transaction that adds observables to an alert or a case, every enabled analyzer whose <c>auto</c>
/// setting covers that kind and which accepts the observable's type. Additions are collected during the unit of work
/// and queued once just before it commits: one settings read per organisation and transaction, whatever the number
/// of alerts and observables in it, and the owner's TLP/PAP as they are at commit (an update may raise them).
/// </summary>
public sealed class AutoEnrichment(Db db, AnalyzerCatalogue catalogue, EnrichmentQueue queue)
{
    sealed class Pending
    {
        public Dictionary<ObservableOwner, HashSet<(string DataType, string Data)>> Added { get; } = [];
    }

    sealed class Row
    {
        public long Id { get; set; }
        public string DataType { get; set; } = "";
        public string Data { get; set; } = "";
        public int Tlp { get; set; }
        public int Pap { get; set; }
    }

    /// <summary>Notes observables just added to <paramref name="owner"/> (new rows, not merged repeats).</summary>
    public async Task AddedAsync(DbConnection c, DbTransaction tx, ObservableOwner owner, IEnumerable<ObservableInput> added, long now)
    {
        var values = added.Select(o => (o.DataType, o.Data)).ToHashSet();
        if (values.Count == 0)
            return;
        var isNew = false;
        var pending = db.Scoped(tx, this, () =>
        {
            isNew = true;
            return new Pending();
        });
        if (pending is null)
        {
            // A transaction not opened by Db.WriteAsync (none in the server): queue at once.
            var alone = new Pending();
            alone.Added[owner] = values;
            await QueueAsync(c, tx, alone, now);
            return;
        }
        if (pending.Added.TryGetValue(owner, out var set))
            set.UnionWith(values);
        else
            pending.Added[owner] = values;
        if (isNew)
            db.BeforeCommit(tx, () => QueueAsync(c, tx, pending, now));
    }

    async Task QueueAsync(DbConnection c, DbTransaction tx, Pending pending, long now)
    {
        foreach (var byOrg in pending.Added.GroupBy(p => p.Key.OrgId))
        {
            var settings = await AnalyzerStore.SettingsAsync(c, byOrg.Key, tx);
            var auto = settings.Values.Where(s => s.Enabled && s.Auto != AutoModes.Off).ToList();
            if (auto.Count == 0)
                continue;
            var requests = new List<EnrichmentQueue.Request>();
            foreach (var (owner, values) in byOrg)
            {
                var kind = Kind(owner);
                var analyzers = auto.Where(s => AutoModes.Allows(s.Auto, kind))
                    .Select(s => catalogue.Definition(s.Name) is { } d ? EffectiveSettings.Of(d, s) : null)
                    .OfType<EffectiveSettings>().ToList();
                if (analyzers.Count == 0 || !values.Any(v => analyzers.Any(a => a.Definition.Accepts(v.DataType))))
                    continue;
                await RequestsAsync(c, tx, owner, kind, values, analyzers, requests);
            }
            await queue.QueueAsync(c, tx, byOrg.Key, requests, now);
        }
    }

    /// <summary>Adds the requests for the new observables of one owner, with the owner's TLP/PAP as they are now.</summary>
    static async Task RequestsAsync(DbConnection c, DbTransaction tx, ObservableOwner owner, string kind, HashSet<(string, string)> values,
        List<EffectiveSettings> analyzers, List<EnrichmentQueue.Request> requests)
    {
        var ownerTable = kind == "alert" ? "alerts" : "cases";
        var rows = await c.QueryAsync<Row>($"""
            SELECT o.id AS Id, o.data_type AS DataType, o.data AS Data, w.tlp AS Tlp, w.pap AS Pap
            FROM {owner.Table} o JOIN {ownerTable} w ON w.id = o.{owner.OwnerColumn}
            WHERE o.{owner.OwnerColumn} = @id ORDER BY o.id
            """, new { id = owner.OwnerId }, tx);
        foreach (var r in rows)
        {
            if (!values.Contains((r.DataType, r.Data)))
                continue;
            var accepting = analyzers.Where(a => a.Definition.Accepts(r.DataType)).ToList();
            if (accepting.Count == 0)
                continue;
            var o = new ObservableRef { Kind = kind, Id = r.Id, OwnerId = owner.OwnerId, DataType = r.DataType, Data = r.Data, Tlp = r.Tlp, Pap = r.Pap };
            requests.AddRange(accepting.Select(a => new EnrichmentQueue.Request(o, a)));
        }
    }

    /// <summary>"alert" or "case": the observable kind reports name.</summary>
    public static string Kind(ObservableOwner owner) => owner.OwnerColumn == "alert_id" ? "alert" : "case";
}
