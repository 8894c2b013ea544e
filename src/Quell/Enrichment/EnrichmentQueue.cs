using System.Data.Common;
using Microsoft.Extensions.Options;
using Quell.Jobs;
using Quell.Observables;

namespace Quell.Enrichment;

/// <summary>
/// Asks analyzers to run on one observable, in the caller's transaction: above an analyzer's TLP/PAP a <c>skipped</c>
/// report (nothing sent), a fresh or pending report of the value reused (the service is not asked twice), else a
/// pending report and its <see cref="AnalyzeJob"/>. The analyze endpoint, auto-enrichment and the expiry sweep share it.
/// </summary>
public sealed class EnrichmentQueue(JobQueue queue, IOptions<EnrichmentOptions> options)
{
    /// <summary>The enabled analyzers accepting <paramref name="dataType"/>, with the organisation's settings applied.</summary>
    public static IEnumerable<EffectiveSettings> Runnable(AnalyzerCatalogue catalogue, IReadOnlyDictionary<string, AnalyzerSettings> settings, string dataType) =>
        catalogue.All.Where(d => d.Accepts(dataType))
            .Select(d => EffectiveSettings.Of(d, settings.GetValueOrDefault(d.Name)))
            .Where(e => e.Enabled);

    /// <summary>Queues each analyzer of <paramref name="analyzers"/> on the observable; returns the report of each (new or reused).</summary>
    public async Task<List<long>> QueueAsync(DbConnection c, DbTransaction tx, long orgId, ObservableRef o, IEnumerable<EffectiveSettings> analyzers, long now) =>
        [.. await QueueAsync(c, tx, orgId, analyzers.Select(a => new Request(o, a)).ToList(), now)];

    /// <summary>One analyzer asked to run on one observable.</summary>
    public readonly record struct Request(ObservableRef Observable, EffectiveSettings Analyzer);

    /// <summary>
    /// Queues many requests with a handful of statements whatever their number (one cache look-up, one insert of the
    /// reports, one of the jobs, one update linking them): an alert's intake queues 5 observables × 3 analyzers, and
    /// four statements for each was most of what auto-enrichment added to intake. Returns the report of each request.
    /// </summary>
    public async Task<long[]> QueueAsync(DbConnection c, DbTransaction tx, long orgId, IReadOnlyList<Request> requests, long now)
    {
        var reportOf = new long[requests.Count];
        var inserts = new List<(int Index, AnalyzerStore.NewReport Report)>();
        var asking = new List<int>();
        // Within the batch, the first request of an (analyzer, value) is asked, and the first refusal of an (analyzer,
        // observable) recorded; the others share its report.
        var sameAs = new Dictionary<int, int>();
        var firstRefused = new Dictionary<(string Analyzer, string Kind, long Id), int>();
        var firstAsked = new Dictionary<(string Analyzer, string Key), int>();
        for (var i = 0; i < requests.Count; i++)
        {
            var (o, e) = requests[i];
            var name = e.Definition.Name;
            if (e.Refusal((Tlp)o.Tlp, (Tlp)o.Pap) is { } refusal)
            {
                if (firstRefused.TryGetValue((name, o.Kind, o.Id), out var refused))
                    sameAs[i] = refused;
                else
                {
                    firstRefused[(name, o.Kind, o.Id)] = i;
                    inserts.Add((i, new(name, o.DataType, o.Data, ReportStatus.Skipped, refusal, o.Kind, o.Id)));
                }
                continue;
            }
            asking.Add(i);
        }
        var ttl = requests.Select(r => r.Analyzer).DistinctBy(a => a.Definition.Name).ToDictionary(a => a.Definition.Name, a => a.CacheTtl, StringComparer.Ordinal);
        // A fresh report of the value, or one being made, answers the request too: the service is not asked twice.
        var reusable = await AnalyzerStore.ReusableManyAsync(c, tx, orgId, asking.Select(i => requests[i].Analyzer.Definition.Name).ToHashSet(),
            asking.Select(i => Key(requests[i].Observable)).ToHashSet(), a => ttl[a], now);
        var pending = new List<int>();
        foreach (var i in asking)
        {
            var (o, e) = requests[i];
            var key = Key(o);
            if (reusable.TryGetValue((e.Definition.Name, key), out var id))
                reportOf[i] = id;
            else if (firstAsked.TryGetValue((e.Definition.Name, key), out var first))
                sameAs[i] = first;
            else
            {
                firstAsked[(e.Definition.Name, key)] = i;
                inserts.Add((i, new(e.Definition.Name, o.DataType, o.Data, ReportStatus.Pending, null, o.Kind, o.Id)));
                pending.Add(i);
            }
        }
        var ids = await AnalyzerStore.InsertReportsAsync(c, tx, orgId, inserts.Select(x => x.Report).ToList(), now);
        for (var n = 0; n < inserts.Count; n++)
            reportOf[inserts[n].Index] = ids[n];
        var jobs = pending.Select(i => AnalyzeJob.Request(orgId, reportOf[i], options.Value.MaxAttempts)).ToList();
        var jobIds = await queue.EnqueueManyAsync(c, tx, jobs);
        await AnalyzerStore.SetJobsAsync(c, tx, pending.Zip(jobs)
            .Where(p => jobIds.ContainsKey(p.Second.DedupeKey!))
            .Select(p => (reportOf[p.First], jobIds[p.Second.DedupeKey!])).ToList());
        foreach (var (i, first) in sameAs)
            reportOf[i] = reportOf[first];
        return reportOf;
    }

    static string Key(ObservableRef o) => AnalyzerStore.DataKey(o.DataType, o.Data);
}
