using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Quell.Alerts;
using Quell.Detection.Sigma;
using Quell.Events;
using Quell.Intel.Decay;
using Quell.Intel.Indicators;
using Quell.Intel.Matching;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Detection;

/// <summary>
/// The event store with detection behind it: a batch is stored, then its indicator-bearing fields are looked up in the
/// intel matcher, and the receiver acknowledges only after both. A crash in between leaves the batch unacknowledged,
/// so the shipper sends it again: detection is at least once, never silently skipped. Hits of one indicator on one
/// asset within <see cref="DetectionOptions.AlertWindow"/> share one alert (source <c>quell-intel</c>), which records a
/// "seen" sighting on the indicator when it is raised. With Sigma rules configured, matches of one rule on one asset
/// within the window share one alert (source <c>quell-sigma</c>) with the rule's level and ATT&amp;CK tags; a correlation
/// rule's match raises one alert of type <c>sigma-correlation</c> with the correlated events.
/// </summary>
public sealed class DetectingEventSink(EventStore store, IntelIndex intel, SigmaRuleSet sigma, AlertStore alerts, TimeProvider time, IOptions<DetectionOptions> options) : IEventSink
{
    public const string IntelSource = "quell-intel";
    public const string SigmaSource = "quell-sigma";

    public async ValueTask AppendAsync(EventOrigin origin, IReadOnlyList<IncomingEvent> events, CancellationToken ct)
    {
        var heard = Events.Assets.AssetInventory.Count(origin.Source, events);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // SQLite's single writer stores the batch while this thread looks its events up (decision 224): detection reads
        // only the events in memory, so the two overlap on two cores instead of following each other. Alerts are raised,
        // and correlation windows fed, only after the commit, so nothing is detected that was not stored.
        var stored = store.AppendAsync(origin, events, (c, tx) => Events.Assets.AssetInventory.RecordAsync(c, tx, origin.OrgId, heard, now), ct).AsTask();
        List<IntelHit> intelHits;
        SigmaCatalog? catalog;
        SigmaScan? scan = null;
        try
        {
            intelHits = IntelHits.Find(events, (value, ids) => intel.Match(origin.OrgId, value, ids));
            catalog = await sigma.CatalogAsync();
            if (catalog is not null)
                scan = Scan(catalog, events);
        }
        finally
        {
            // A detection that fails still waits for the write, whose outcome the caller must not miss.
            await stored;
        }
        if (intelHits.Count > 0)
            await RaiseAsync(origin, events, intelHits, ct);
        if (catalog is not null && scan is not null)
            await DetectSigmaAsync(origin, events, catalog, scan, ct);
    }

    /// <summary>A batch's Sigma matches: the hits of rules that report, and the observations correlations read.</summary>
    sealed record SigmaScan(List<SigmaHit> Hits, List<SigmaObservation> Observed);

    SigmaScan Scan(SigmaCatalog catalog, IReadOnlyList<IncomingEvent> events)
    {
        var now = time.GetUtcNow();
        var evidenceChars = options.Value.Sigma.CorrelationEvidenceChars;
        var observed = new List<SigmaObservation>();
        var hits = SigmaHits.Find(catalog, events, catalog.Correlations.Count == 0 ? null : (i, rule, e) =>
        {
            var at = events[i].Timestamp ?? now;
            observed.Add(new SigmaObservation(rule, at, SigmaCorrelationState.FieldsFor(catalog, rule, e), new SigmaEvidence(at, Short(events[i].Raw, evidenceChars))));
        });
        return new SigmaScan(hits, observed);
    }

    async Task DetectSigmaAsync(EventOrigin origin, IReadOnlyList<IncomingEvent> events, SigmaCatalog catalog, SigmaScan scan, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var sigmaOptions = options.Value.Sigma;
        var correlations = new List<SigmaCorrelationMatch<SigmaEvidence>>();
        var observed = scan.Observed;
        if (observed.Count > 0)
        {
            var correlator = await sigma.CorrelatorForAsync(origin.OrgId, catalog,
                c => SigmaCorrelationState.ReplayAsync(store.Db, origin.OrgId, catalog, c, sigmaOptions.CorrelationMaxEvents, ct));
            lock (correlator)
            {
                foreach (var o in observed)
                    correlator.Observe(o.Rule, o.At, f => o.Fields.GetValueOrDefault(f), o.Evidence, correlations);
                correlator.Expire(correlations);
            }
        }
        if (scan.Hits.Count > 0)
            await RaiseSigmaAsync(origin, events, scan.Hits, ct);
        if (correlations.Count > 0 || observed.Count > 0)
            await store.Db.WriteAsync(async (c, tx) =>
            {
                // The matches the windows hold are stored with the alerts they led to, so a restart can restore the windows.
                await SigmaCorrelationState.SaveAsync(c, tx, origin.OrgId, observed, SigmaCorrelationState.Horizon(catalog), now.ToUnixTimeMilliseconds());
                foreach (var m in correlations)
                    await alerts.UpsertAsync(c, tx, origin.OrgId, SigmaCorrelationAlerts.Of(m, origin, now, options.Value.EventsPerAlert), SigmaSource, now.ToUnixTimeMilliseconds());
            }, ct);
    }

    async Task RaiseSigmaAsync(EventOrigin origin, IReadOnlyList<IncomingEvent> events, List<SigmaHit> hits, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var window = (long)options.Value.AlertWindow.TotalMilliseconds;
        var groups = hits.GroupBy(h =>
        {
            var at = (events[h.EventIndex].Timestamp ?? now).ToUnixTimeMilliseconds();
            return (Rule: h.Rule, Asset: AssetOf(events[h.EventIndex], origin), Window: at - (at % window));
        });
        await store.Db.WriteAsync(async (c, tx) =>
        {
            foreach (var g in groups)
            {
                var rule = g.Key.Rule;
                var evidence = g.Select(h => events[h.EventIndex]).ToList();
                var asset = Short(g.Key.Asset, 200);
                var ruleKey = rule.Id ?? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(rule.Title)))[..16];
                var input = new AlertInput
                {
                    Type = "sigma",
                    Source = SigmaSource,
                    SourceRef = $"{ruleKey}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(g.Key.Asset)))[..16]}:{g.Key.Window}",
                    Title = Short($"{rule.Title} on {asset}", 250),
                    Description = Short($"Sigma rule **{rule.Title}** (`{rule.Id}`, level {rule.Level ?? "unknown"}) matched {evidence.Count} event(s) from **{asset}** (source `{origin.Source}`).\n\n{rule.Description}", 8000),
                    Severity = SeverityOf(rule.Level),
                    Tags = [.. new[] { "quell:sigma" }.Concat(rule.Tags).Distinct().Take(30)],
                    Date = now.ToUnixTimeMilliseconds(),
                    FirstEvidenceAt = evidence.Min(e => e.Timestamp ?? now).ToUnixTimeMilliseconds(),
                    Raw = Truncate(JsonSerializer.Serialize(new
                    {
                        rule = new { id = rule.Id, title = rule.Title, level = rule.Level, tags = rule.Tags, source = Path.GetFileName(rule.Source) },
                        asset = g.Key.Asset,
                        events = evidence.Take(options.Value.EventsPerAlert).Select(e => new { time = e.Timestamp, raw = Short(e.Raw, 4096) }),
                        eventCount = evidence.Count,
                    }, JsonOptions)),
                    Observables = [new ObservableInput { DataType = "hostname", Data = asset, Message = "the asset the events came from" }],
                };
                await alerts.UpsertAsync(c, tx, origin.OrgId, input, SigmaSource, now.ToUnixTimeMilliseconds());
            }
        }, ct);
    }

    internal static int SeverityOf(string? level) => level?.ToLowerInvariant() switch { "critical" => 4, "high" => 3, "medium" => 2, _ => 1 };

    internal static string Truncate(string raw) => raw.Length <= AlertInput.MaxRawBytes / 2 ? raw : raw[..(AlertInput.MaxRawBytes / 2)];

    sealed record Group(IndicatorView Indicator, string Asset, long Window, List<IntelHit> Hits);

    async Task RaiseAsync(EventOrigin origin, IReadOnlyList<IncomingEvent> events, List<IntelHit> hits, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var ids = hits.Select(h => h.IndicatorId).Distinct().ToArray();
        var views = await store.Db.ReadAsync(async c =>
        {
            var rows = (await c.QueryAsync<IndicatorRow>(
                $"SELECT {IndicatorRow.Columns} FROM indicators i WHERE i.org_id = @org AND {Db.In(c, "i.id", "@ids")}", new { org = origin.OrgId, ids })).AsList();
            return (await IndicatorReads.ViewsAsync(c, rows, now)).ToDictionary(v => v.Id);
        }, ct);
        var window = (long)options.Value.AlertWindow.TotalMilliseconds;
        var stored = new StoredMatch();
        var groups = new Dictionary<(long, string, long), Group>();
        foreach (var hit in hits)
        {
            // Only live indicators alert: a suppressed, expired or warninglisted one is the false positive analysts asked to silence.
            if (!views.TryGetValue(hit.IndicatorId, out var view) || view.Suppressed || view.Expired || view.Warninglists.Count > 0
                || !stored.Confirms(view.Id, view.Type, view.Value, hit.Value))
                continue;
            var e = events[hit.EventIndex];
            var asset = AssetOf(e, origin);
            var at = (e.Timestamp ?? now).ToUnixTimeMilliseconds();
            var key = (view.Id, asset, at - (at % window));
            if (!groups.TryGetValue(key, out var group))
            {
                group = new Group(view, asset, key.Item3, []);
                groups[key] = group;
            }
            group.Hits.Add(hit);
        }
        if (groups.Count == 0)
            return;
        await store.Db.WriteAsync(async (c, tx) =>
        {
            foreach (var group in groups.Values)
            {
                var result = await alerts.UpsertAsync(c, tx, origin.OrgId, AlertOf(group, origin, events, now), IntelSource, now.ToUnixTimeMilliseconds());
                if (result.Created)
                    await IndicatorSightings.AddAsync(c, tx, origin.OrgId, group.Indicator.Id, SightingTypes.Seen, IntelSource,
                        now.ToUnixTimeMilliseconds(), $"events from {Short(group.Asset, 200)} (alert {result.Id})");
            }
        }, ct);
    }

    /// <summary>The asset an event is about: its host, else the shipper's source.</summary>
    static string AssetOf(IncomingEvent e, EventOrigin origin)
    {
        foreach (var field in (string[])["host.name", "host.hostname", "agent.name", "Event.System.Computer", "host.ip"])
            if (e.Fields.TryGetValue(field, out var v) && (v is string s ? s : v is IEnumerable<object?> l ? l.OfType<string>().FirstOrDefault() : null) is { Length: > 0 } name)
                return name.ToLowerInvariant();
        return origin.Source;
    }

    AlertInput AlertOf(Group g, EventOrigin origin, IReadOnlyList<IncomingEvent> events, DateTimeOffset now)
    {
        var i = g.Indicator;
        var evidence = g.Hits.Select(h => h.EventIndex).Distinct().Select(n => events[n]).ToList();
        var first = evidence.Min(e => e.Timestamp ?? now);
        var asset = Short(g.Asset, 200);
        // The key may be long (a URL indicator, a long host name); the reference stays short and stable.
        var reference = $"{i.Id}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(g.Asset)))[..16]}:{g.Window}";
        var observables = g.Hits.Select(h => (Type: ObservableTypeOf(h.Field), h.Value)).Distinct()
            .Select(o => new ObservableInput { DataType = o.Type, Data = o.Value, Ioc = true, Sighted = true, Tags = ["quell:intel"] })
            .Append(new ObservableInput { DataType = "hostname", Data = asset, Message = "the asset the events came from" })
            .DistinctBy(o => (o.DataType, o.Data)).Take(AlertInput.MaxObservables).ToList();
        return new AlertInput
        {
            Type = "intel-match",
            Source = IntelSource,
            SourceRef = reference,
            Title = Short($"{i.Type} {i.Value} seen on {asset}", 250),
            Description = $"""
                The indicator **{i.Type}** `{Short(i.Value, 500)}` (score {i.Score:0}, sources: {string.Join(", ", i.Sources)}) matched
                {g.Hits.Count} value(s) in {evidence.Count} event(s) from **{asset}** (source `{origin.Source}`), fields: {string.Join(", ", g.Hits.Select(h => h.Field).Distinct())}.
                """,
            Severity = i.Score >= 80 ? 3 : i.Score >= 50 ? 2 : 1,
            Tags = [.. new[] { "quell:intel" }.Concat(i.Tags).Distinct().Take(20)],
            Date = now.ToUnixTimeMilliseconds(),
            FirstEvidenceAt = first.ToUnixTimeMilliseconds(),
            Raw = Evidence(i, g, evidence),
            Observables = observables,
        };
    }

    string Evidence(IndicatorView i, Group g, List<IncomingEvent> evidence)
    {
        var raw = JsonSerializer.Serialize(new
        {
            indicator = new { i.Id, i.Type, i.Value, i.Sources, i.Score, i.Tags },
            asset = g.Asset,
            matches = g.Hits.Select(h => new { h.Field, h.Value }).Distinct().Take(50),
            events = evidence.Take(options.Value.EventsPerAlert).Select(e => new { time = e.Timestamp, raw = Short(e.Raw, 4096) }),
            eventCount = evidence.Count,
        }, JsonOptions);
        return Truncate(raw);
    }

    static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    static string ObservableTypeOf(string field) => field switch
    {
        "related.ip" => "ip",
        "related.hosts" or "dns.question.name" or "destination.domain" => "domain",
        "related.hash" => "hash",
        "url.original" or "url.full" => "url",
        "file.name" or "process.name" => "filename",
        _ when field.StartsWith("email.", StringComparison.Ordinal) => "mail",
        _ => "other",
    };

    internal static string Short(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}
