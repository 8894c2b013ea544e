using System.Data.Common;
using Dapper;
using Quell.Audit;
using Quell.Observables;

namespace Quell.Enrichment;

/// <summary>
/// Opt-in (<c>artifacts: add</c>): a successful report's artifacts become observables of the alert or case the report
/// was made for, in the transaction that ends the report. Values the owner already has are left alone; the new ones
/// are tagged <c>artifact:&lt;analyzer&gt;</c> and auto-enriched like any added observable, but a report about an
/// observable with such a tag adds no artifacts of its own: one level, so two analyzers naming each other's values
/// cannot loop.
/// </summary>
public sealed class ArtifactObservables(AutoEnrichment autoEnrichment, AuditLog audit)
{
    public const string TagPrefix = "artifact:";

    /// <summary>At most this many artifacts of one report become observables (a crawler's answer can name thousands).</summary>
    public const int MaxPerReport = 100;

    sealed class Source
    {
        public long OwnerId { get; set; }
        public string TagsJson { get; set; } = "[]";
    }

    /// <summary>Adds the artifacts of <paramref name="report"/>; returns how many observables were added.</summary>
    public async Task<int> AddAsync(DbConnection c, DbTransaction tx, AnalyzerReport report, long orgId, IReadOnlyList<Artifact> artifacts, long now)
    {
        if (artifacts.Count == 0)
            return 0;
        var isAlert = report.ObservableKind == "alert";
        var source = await c.QuerySingleOrDefaultAsync<Source>(isAlert
            ? "SELECT alert_id AS OwnerId, tags AS TagsJson FROM alert_observables WHERE id = @id AND org_id = @orgId"
            : "SELECT case_id AS OwnerId, tags AS TagsJson FROM case_observables WHERE id = @id AND org_id = @orgId", new { id = report.ObservableId, orgId }, tx);
        // Removed meanwhile (a case observable deleted, a case merged away), or itself an artifact: nothing to add.
        if (source is null || JsonColumns.Tags(source.TagsJson).Any(t => t.StartsWith(TagPrefix, StringComparison.Ordinal)))
            return 0;
        var owner = isAlert ? ObservableOwner.Alert(source.OwnerId, orgId) : ObservableOwner.Case(source.OwnerId, orgId);
        var existing = (await ObservableStore.ListAsync(c, owner, tx)).Select(o => (o.DataType, o.Data)).ToHashSet();
        var items = ObservableInput.Deduplicate(Valid(artifacts, report.Analyzer).Where(o => !existing.Contains((o.DataType, o.Data)))).Take(MaxPerReport).ToList();
        if (items.Count == 0)
            return 0;
        var added = await ObservableStore.MergeAsync(c, tx, owner, items, now);
        await autoEnrichment.AddedAsync(c, tx, owner, added, now);
        var actor = "analyzer:" + report.Analyzer;
        if (isAlert)
            await c.ExecuteAsync("UPDATE alerts SET observable_count = observable_count + @n, updated_at = @now WHERE id = @id",
                new { n = added.Count, now, id = source.OwnerId }, tx);
        else
        {
            await Cases.CaseStore.AddTimelineAsync(c, tx, source.OwnerId, orgId, Cases.CaseTimelineKind.ObservablesAdded,
                $"{added.Count} observable(s) added from the artifacts of {report.Analyzer} report {report.Id}", actor, now);
            await Cases.CaseStore.TouchAsync(c, tx, source.OwnerId, now);
        }
        await audit.AppendAsync(c, tx, new AuditEntry(orgId, actor, "observable.add", report.ObservableKind, source.OwnerId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            null, new { report = report.Id, added = added.Select(o => new { o.DataType, o.Data }) }));
        return added.Count;
    }

    /// <summary>Artifacts whose type is an observable type and whose value is valid for it, normalized as intake does.</summary>
    static IEnumerable<ObservableInput> Valid(IEnumerable<Artifact> artifacts, string analyzer)
    {
        foreach (var a in artifacts)
        {
            if (ObservableTypes.Canonical(a.DataType) is not { } type || a.Data.Length > ObservableInput.MaxDataLength)
                continue;
            if (ObservableTypes.Normalize(type, a.Data, out _) is { } data)
                yield return new ObservableInput { DataType = type, Data = data, Tags = [TagPrefix + analyzer], Message = a.Message is { Length: > 1000 } m ? m[..1000] + "…" : a.Message };
        }
    }
}
