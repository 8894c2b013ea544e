using Quell.Alerts;
using Quell.Cases;
using Quell.Observables;
using static Quell.Server.Dev.SeedVocabulary;

namespace Quell.Server.Dev;

/// <summary>What to seed. <see cref="RandomSeed"/> makes the data reproducible: the same spec gives the same rows.</summary>
public sealed record SeedSpec(int Alerts, int Cases, int ObservablesPerAlert = 5, string Organisation = "default", int RandomSeed = 42)
{
    public const int Days = 90;

    /// <summary>Share of alerts linked to a case (imported), as in a queue where a tenth of alerts turn into investigations.</summary>
    public const double LinkedShare = 0.10;

    /// <summary>Share of observable values drawn from small per-type pools, so similar alerts share them; the rest are rare.</summary>
    public const double SharedValueShare = 0.25;
}

public sealed record SeedObservable(string DataType, string Data, bool Ioc, bool Sighted);

public sealed record SeedAlert(
    long Id, string Type, string Source, string SourceRef, string Title, string Description, int Severity, Tlp Tlp, Tlp Pap,
    string Status, bool IsRead, string[] Tags, long Date, long CreatedAt, long UpdatedAt, long? FirstEvidenceAt, long? CaseId,
    SeedObservable[] Observables);

public sealed record SeedCase(
    long Id, long Number, string Title, string Description, int Severity, Tlp Tlp, Tlp Pap, string Status, string? Resolution,
    string? Summary, long? AssigneeId, string CreatedBy, string[] Tags, long CreatedAt, long UpdatedAt, long? DetectedAt,
    long? ContainedAt, long? ResolvedAt, int Version);

/// <summary>
/// Deterministic synthetic alerts and cases over the <see cref="SeedSpec.Days"/> days before <paramref name="now"/>.
/// Ids and case numbers are assigned by the caller (the store's next free values) so the plan knows links up front.
/// Alerts stream (a million do not fit comfortably in memory as objects); cases are few enough to hold.
/// </summary>
public sealed class SeedPlan
{
    const long Minute = 60_000, Hour = 60 * Minute, Day = 24 * Hour;

    readonly SeedSpec _spec;
    readonly long _firstAlertId;
    readonly long _start;
    readonly long _now;
    readonly string _runTag;

    public SeedPlan(SeedSpec spec, long now, long firstAlertId, long firstCaseId, long firstCaseNumber, IReadOnlyList<(long Id, string Username)> analysts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(spec.Alerts);
        ArgumentOutOfRangeException.ThrowIfNegative(spec.Cases);
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.ObservablesPerAlert, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(spec.ObservablesPerAlert, AlertInput.MaxObservables);
        _spec = spec;
        _now = now;
        _start = now - SeedSpec.Days * Day;
        _firstAlertId = firstAlertId;
        // Source references must be new on every run, or a second seed would collide with the first one's alerts.
        _runTag = Convert.ToHexStringLower(BitConverter.GetBytes(firstAlertId))[..6];
        Cases = GenerateCases(firstCaseId, firstCaseNumber, analysts);
    }

    public SeedSpec Spec => _spec;

    /// <summary>Cases ordered by creation time (ids and numbers grow with it, as in a real store).</summary>
    public IReadOnlyList<SeedCase> Cases { get; }

    /// <summary>Alerts in id order; dates grow with ids. Enumerating twice yields the same alerts.</summary>
    public IEnumerable<SeedAlert> Alerts()
    {
        var rng = new Random(_spec.RandomSeed);
        var pools = new ValuePools(_spec.RandomSeed);
        var span = (double)(_now - _start);
        var weights = Sources.Select(s => s.Weight).ToArray();
        var observables = new List<SeedObservable>(_spec.ObservablesPerAlert);
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < _spec.Alerts; i++)
        {
            var kind = Sources[Weighted(rng, weights)];
            var date = _start + (long)((i + rng.NextDouble()) * span / _spec.Alerts);
            var linked = Cases.Count > 0 && rng.NextDouble() < SeedSpec.LinkedShare ? CaseAfter(rng, date) : null;
            var caseId = linked?.Id;
            var created = Math.Min(_now, date + rng.Next(0, 120_000));
            var (status, read) = caseId is not null
                ? (AlertStatus.Imported, true)
                : (Weighted(rng, [65, 15, 20]) switch { 0 => AlertStatus.New, 1 => AlertStatus.Updated, _ => AlertStatus.Ignored },
                   rng.NextDouble() < (_now - date > 7 * Day ? 0.6 : 0.2));
            // Linking an alert to a case touches it (AlertStore.LinkAsync), which happened when the case was created.
            var updated = linked is not null ? Math.Max(created, linked.CreatedAt)
                : status == AlertStatus.Updated ? Math.Min(_now, created + rng.NextInt64(Minute, 2 * Day)) : created;
            var title = Fill(rng, pools, Pick(rng, kind.Titles));
            var host = pools.Hostname(rng);
            var tagCount = Weighted(rng, [25, 40, 25, 10]);
            var tags = new HashSet<string>(StringComparer.Ordinal);
            for (var t = 0; t < tagCount; t++)
                tags.Add(AlertTags[Skewed(rng, AlertTags.Length)]);

            observables.Clear();
            seen.Clear();
            for (var k = 0; observables.Count < _spec.ObservablesPerAlert; k++)
            {
                var type = kind.ObservableTypes[k % kind.ObservableTypes.Length];
                // A repeat within one alert is what the API deduplicates; draw again so every alert has exactly N.
                var value = k < _spec.ObservablesPerAlert * 4 ? pools.Value(rng, type) : ValuePools.Rare(rng, type);
                if (seen.Add((type, value)))
                    observables.Add(new SeedObservable(type, value, rng.NextDouble() < 0.05, rng.NextDouble() < 0.02));
            }
            yield return new SeedAlert(
                _firstAlertId + i, kind.Type, kind.Source, $"{kind.RefPrefix}{_runTag}-{i:x6}", title,
                $"{kind.Source} rule {rng.Next(1000, 9999)} fired on {host}: {title}. Triage per runbook {kind.Type.ToUpperInvariant()}-{rng.Next(1, 40)}.",
                1 + Weighted(rng, [30, 45, 20, 5]), (Tlp)Weighted(rng, [5, 25, 60, 5, 5]), (Tlp)Weighted(rng, [5, 20, 70, 3, 2]),
                status, read, tags.ToArray(), date, created, updated,
                rng.NextDouble() < 0.3 ? date - rng.NextInt64(Minute, 7 * Day) : null, caseId, observables.ToArray());
        }
    }

    /// <summary>A case created shortly after <paramref name="date"/>, or null when the window ends first.</summary>
    SeedCase? CaseAfter(Random rng, long date)
    {
        int lo = 0, hi = Cases.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (Cases[mid].CreatedAt < date)
                lo = mid + 1;
            else
                hi = mid;
        }
        var index = lo + rng.Next(Math.Max(1, Cases.Count / 450));
        return index < Cases.Count ? Cases[index] : null;
    }

    List<SeedCase> GenerateCases(long firstId, long firstNumber, IReadOnlyList<(long Id, string Username)> analysts)
    {
        var rng = new Random(_spec.RandomSeed ^ 0x5EED);
        var pools = new ValuePools(_spec.RandomSeed ^ 0x5EED);
        var span = (double)(_now - _start);
        var list = new List<SeedCase>(_spec.Cases);
        for (var j = 0; j < _spec.Cases; j++)
        {
            var created = _start + (long)((j + rng.NextDouble()) * span / _spec.Cases);
            var age = _now - created;
            int[] statusWeights = age > 14 * Day ? [2, 8, 90] : age > 2 * Day ? [10, 40, 50] : [40, 45, 15];
            var status = CaseStatus.All[Weighted(rng, statusWeights)];
            string? resolution = null;
            long? resolvedAt = null, containedAt = null;
            if (status == CaseStatus.Resolved)
            {
                resolution = CaseResolutions[Weighted(rng, CaseResolutions.Select(r => r.Weight).ToArray())].Name;
                resolvedAt = Math.Min(_now, created + rng.NextInt64(Hour, 10 * Day));
            }
            if (resolution == CaseResolution.TruePositive || (status == CaseStatus.InProgress && rng.NextDouble() < 0.3))
                containedAt = Math.Min(resolvedAt ?? _now, created + rng.NextInt64(10 * Minute, 2 * Day));
            var assigned = analysts.Count > 0 && rng.NextDouble() < (status == CaseStatus.New ? 0.5 : 0.95);
            var assignee = assigned ? analysts[Skewed(rng, analysts.Count)] : default;
            var creator = analysts.Count > 0 ? analysts[rng.Next(analysts.Count)].Username : "admin";
            var tags = new HashSet<string>(StringComparer.Ordinal);
            for (var t = 1 + Weighted(rng, [50, 35, 15]); t > 0; t--)
                tags.Add(CaseTags[Skewed(rng, CaseTags.Length)]);
            var title = Fill(rng, pools, Pick(rng, CaseTitles));
            var version = status switch { CaseStatus.New => 1, CaseStatus.InProgress => 2, _ => 3 } + (assigned ? 1 : 0);
            list.Add(new SeedCase(
                firstId + j, firstNumber + j, title, $"Investigation opened by {creator}: {title}.",
                1 + Weighted(rng, [15, 45, 30, 10]), (Tlp)Weighted(rng, [2, 20, 68, 5, 5]), (Tlp)Weighted(rng, [2, 20, 70, 5, 3]),
                status, resolution, resolution is null ? null : $"Closed as {resolution} after review.", assigned ? assignee.Id : null,
                creator, tags.ToArray(), created, resolvedAt ?? Math.Min(_now, created + rng.NextInt64(Minute, Day)),
                rng.NextDouble() < 0.5 ? created - rng.NextInt64(Minute, Hour) : null, containedAt, resolvedAt, version));
        }
        return list;
    }

    static string Fill(Random rng, ValuePools pools, string template) => template
        .Replace("{user}", pools.Mail(rng).Split('@')[0])
        .Replace("{host}", pools.Hostname(rng))
        .Replace("{country}", Pick(rng, Countries))
        .Replace("{malware}", Pick(rng, Malware))
        .Replace("{subject}", Pick(rng, Subjects))
        .Replace("{domain}", pools.Domain(rng))
        .Replace("{cve}", Pick(rng, Cves));
}
