using System.Data.Common;
using System.Text.Json;
using Dapper;
using Quell.Detection.Sigma;
using Quell.Storage;

namespace Quell.Detection;

/// <summary>One match of a base rule that a correlation reads: the fields the correlations group by or count, and its evidence.</summary>
public sealed record SigmaObservation(SigmaRule Rule, DateTimeOffset At, Dictionary<string, string> Fields, SigmaEvidence Evidence);

/// <summary>
/// Correlation windows that outlive the process (decision 185, replacing decision 80's in-memory-only windows). Each
/// match of a base rule that a correlation reads is stored (table <c>sigma_correlation_events</c>) with the fields the
/// correlations read and its evidence, in the transaction that raises the batch's correlation alerts. A server's first
/// batch for an organisation replays the stored matches of the last <see cref="Horizon"/> into a fresh correlator, in
/// event time order, so a window straddles a restart. Matches the replay makes are dropped: each was raised before (a
/// correlation alert's reference is its rule, group and first event, so it is the same alert) or belongs to a batch that
/// was never acknowledged, which the shipper sends again. Rows older than the horizon are deleted as newer ones arrive.
/// </summary>
public static class SigmaCorrelationState
{
    /// <summary>How far back a replay reaches: every correlation's timespan added up, so a chain of correlations is covered whole.</summary>
    public static TimeSpan Horizon(SigmaCatalog catalog) =>
        TimeSpan.FromTicks(Math.Min(TimeSpan.FromDays(31).Ticks, catalog.Correlations.Sum(c => c.Timespan.Ticks)));

    /// <summary>The name a stored match keeps of its rule: the id, else the name correlations refer to, else the title.</summary>
    public static string KeyOf(SigmaRule rule) => rule.Id ?? rule.Name ?? rule.Title;

    /// <summary>The fields of a matched event that correlations read from its rule (missing ones left out).</summary>
    public static Dictionary<string, string> FieldsFor(SigmaCatalog catalog, SigmaRule rule, ISigmaEvent e)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in catalog.FieldsOf(rule))
            if (e.TryGetValue(name, out var v) && SigmaHits.Text(v) is { } text)
                fields[name] = text;
        return fields;
    }

    /// <summary>Stores a batch's observations and forgets those a horizon older than the newest of them, in the caller's transaction.</summary>
    public static async Task SaveAsync(DbConnection c, DbTransaction tx, long orgId, IReadOnlyList<SigmaObservation> observed, TimeSpan horizon, long now)
    {
        if (observed.Count == 0)
            return;
        foreach (var o in observed)
            await c.ExecuteAsync(
                "INSERT INTO sigma_correlation_events (org_id, rule_key, event_time, fields, evidence, created_at) VALUES (@orgId, @rule, @at, @fields, @evidence, @now)",
                new { orgId, rule = KeyOf(o.Rule), at = o.At.ToUnixTimeMilliseconds(), fields = JsonSerializer.Serialize(o.Fields), evidence = o.Evidence.Raw, now }, tx);
        var cut = observed.Max(o => o.At).ToUnixTimeMilliseconds() - (long)horizon.TotalMilliseconds;
        await c.ExecuteAsync("DELETE FROM sigma_correlation_events WHERE org_id = @orgId AND event_time < @cut", new { orgId, cut }, tx);
    }

    /// <summary>
    /// Feeds the organisation's stored matches of the last horizon (at most <paramref name="maxEvents"/>, the newest) into
    /// <paramref name="correlator"/>; returns how many were replayed (rows of rules no longer correlated, or whose
    /// fields are not a JSON map of texts, are skipped).
    /// </summary>
    public static async Task<int> ReplayAsync(Db db, long orgId, SigmaCatalog catalog, SigmaCorrelator<SigmaEvidence> correlator, int maxEvents, CancellationToken ct)
    {
        var horizon = (long)Horizon(catalog).TotalMilliseconds;
        var rows = await db.ReadAsync(async c => (await c.QueryAsync<StoredRow>(new CommandDefinition("""
            SELECT rule_key AS RuleKey, event_time AS EventTime, fields AS Fields, evidence AS Evidence FROM sigma_correlation_events
            WHERE org_id = @orgId AND event_time >= (SELECT max(event_time) FROM sigma_correlation_events WHERE org_id = @orgId) - @horizon
            ORDER BY event_time DESC, id DESC LIMIT @maxEvents
            """, new { orgId, horizon, maxEvents }, cancellationToken: ct))).AsList(), ct);
        if (rows.Count == 0)
            return 0;
        var rules = new Dictionary<string, SigmaRule>(StringComparer.Ordinal);
        foreach (var rule in catalog.Engine.Rules)
            if (catalog.Correlates(rule))
                rules.TryAdd(KeyOf(rule), rule);
        var dropped = new List<SigmaCorrelationMatch<SigmaEvidence>>();
        var replayed = 0;
        for (var i = rows.Count - 1; i >= 0; i--)
        {
            var row = rows[i];
            // A rule no longer loaded (or no longer read by a correlation) has nothing to feed.
            if (!rules.TryGetValue(row.RuleKey, out var rule))
                continue;
            // A row that cannot be read is skipped: failing here would fail every batch of the organisation for good.
            if (Fields(row.Fields) is not { } fields)
                continue;
            var at = DateTimeOffset.FromUnixTimeMilliseconds(row.EventTime);
            correlator.Observe(rule, at, f => fields.GetValueOrDefault(f), new SigmaEvidence(at, row.Evidence), dropped);
            replayed++;
        }
        correlator.Expire(dropped);
        return replayed;
    }

    static Dictionary<string, string>? Fields(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    sealed record StoredRow(string RuleKey, long EventTime, string Fields, string Evidence);
}
