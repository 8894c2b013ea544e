using System.Globalization;
using System.Text.Json;
using Quell.Intel.Matching;
using Quell.Intel.Warninglists;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Enrichment.Analyzers;

/// <summary>
/// The organisation's own threat intel (every feed pulled into it: MISP, OpenPhish, URLhaus, ThreatFox, ...), through
/// the matcher. Nothing leaves the server, so any TLP and PAP may be looked up. A live indicator (not expired,
/// suppressed or warninglisted) scoring 50 or more is malicious, below that suspicious; only dead matches are info; a
/// value on a warninglist without live matches is safe.
/// </summary>
public sealed class IntelAnalyzer(IntelIndex index, WarninglistSet warninglists, Db db, TimeProvider time) : IAnalyzer
{
    public const double MaliciousScore = 50;

    public AnalyzerDefinition Definition { get; } = new("intel", "The local threat intel store (indicators from every feed, with decay and warninglists)",
        ["ip", "domain", "fqdn", "hostname", "url", "mail", "hash", "filename"], [], null, Tlp.Red, Tlp.Red, RateLimit.None,
        TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(30));

    public async Task<AnalyzerResult> AnalyzeAsync(AnalyzerRun run, CancellationToken ct)
    {
        var result = (await IntelLookupEndpoints.LookupAsync(run.OrgId, [run.Data], index, warninglists, db, time, ct))[0];
        var live = result.Matches.Where(m => !m.Expired && !m.Suppressed && m.Warninglists.Count == 0).ToList();
        var taxonomies = new List<Taxonomy>();
        if (live.Count > 0)
        {
            var best = live.Max(m => m.Score);
            var sources = live.SelectMany(m => m.Sources).Distinct(StringComparer.Ordinal).ToList();
            taxonomies.Add(new Taxonomy(best >= MaliciousScore ? Levels.Malicious : Levels.Suspicious, "Intel", "Indicators",
                $"{live.Count} live, score {best.ToString("0", CultureInfo.InvariantCulture)}"));
            taxonomies.Add(new Taxonomy(Levels.Info, "Intel", "Sources", string.Join(", ", sources.Take(5)) + (sources.Count > 5 ? $" (+{sources.Count - 5})" : "")));
        }
        else if (result.Warninglists.Count > 0)
            taxonomies.Add(new Taxonomy(Levels.Safe, "Intel", "Warninglist", string.Join(", ", result.Warninglists.Take(3))));
        else
            taxonomies.Add(new Taxonomy(Levels.Info, "Intel", "Indicators", result.Matches.Count == 0 ? "none" : $"{result.Matches.Count} inactive"));
        return new AnalyzerResult(taxonomies, JsonSerializer.SerializeToElement(result, AnalyzerReport.Json), []);
    }
}
