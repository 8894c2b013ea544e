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
    /// <summary>The enabled, implemented analyzers accepting <paramref name="dataType"/>, with the organisation's settings applied.</summary>
    public static IEnumerable<EffectiveSettings> Runnable(AnalyzerCatalogue catalogue, IReadOnlyDictionary<string, AnalyzerSettings> settings, string dataType) =>
        catalogue.All.Where(d => d.Implemented && d.Accepts(dataType))
            .Select(d => EffectiveSettings.Of(d, settings.GetValueOrDefault(d.Name)))
            .Where(e => e.Enabled);

    /// <summary>Queues each analyzer of <paramref name="analyzers"/> on the observable; returns the report of each (new or reused).</summary>
    public async Task<List<long>> QueueAsync(DbConnection c, DbTransaction tx, long orgId, ObservableRef o, IEnumerable<EffectiveSettings> analyzers, long now)
    {
        var reportIds = new List<long>();
        foreach (var e in analyzers)
        {
            var name = e.Definition.Name;
            if (e.Refusal((Tlp)o.Tlp, (Tlp)o.Pap) is { } refusal)
            {
                reportIds.Add(await AnalyzerStore.InsertReportAsync(c, tx, orgId, name, o.DataType, o.Data, ReportStatus.Skipped, refusal, o.Kind, o.Id, now));
                continue;
            }
            // A fresh report of the value, or one being made, answers this request too: the service is not asked twice.
            if (await AnalyzerStore.ReusableAsync(c, orgId, name, o.DataType, o.Data, e.CacheTtl, now, tx) is { } reusable)
            {
                reportIds.Add(reusable.Id);
                continue;
            }
            var reportId = await AnalyzerStore.InsertReportAsync(c, tx, orgId, name, o.DataType, o.Data, ReportStatus.Pending, null, o.Kind, o.Id, now);
            var jobId = await queue.EnqueueAsync(c, tx, AnalyzeJob.Request(orgId, reportId, options.Value.MaxAttempts));
            await AnalyzerStore.SetJobAsync(c, tx, reportId, jobId);
            reportIds.Add(reportId);
        }
        return reportIds;
    }
}
