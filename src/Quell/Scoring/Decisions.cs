using System.Data.Common;
using System.Text.Json;
using Dapper;
using Quell.Enrichment;
using Quell.Intel.Decay;
using Quell.Intel.Indicators;

namespace Quell.Scoring;

/// <summary>An allowlist entry asked for with a decision: the value scores as strongly safe until it expires.</summary>
public sealed record AllowlistEntry(string DataType, string Data, long? ExpiresAt);

/// <summary>What recording a decision changed: the decision, and how each source's agreement counters moved.</summary>
public sealed record DecisionResult(long DecisionId, string Verdict, OwnerScore Evidence, IReadOnlyDictionary<string, SourceRecord> Reliability,
    int Sightings, int Allowlisted);

/// <summary>
/// Records an analyst's verdict on an alert or a case, in the caller's transaction: the decision with the score that was
/// shown (its explanation), each source's agreement counters, sightings on the matched indicators, allowlist entries.
/// A later decision on the same alert or case replaces the earlier one, and reopening withdraws it (<see cref="WithdrawAsync"/>).
/// </summary>
public static class Decisions
{
    public static async Task<DecisionResult> RecordAsync(DbConnection c, DbTransaction tx, long orgId, string of, long id, string verdict, string? comment,
        IReadOnlyList<AllowlistEntry> allowlist, string actor, DateTimeOffset now, Scorer scorer)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var owner = await ScoreReads.LoadAsync(c, orgId, of, id, now, tx) ?? throw new InvalidOperationException($"{of} {id} does not exist");
        await WithdrawAsync(c, tx, orgId, of, id, nowMs);
        var shown = owner.Score(scorer);

        var deltas = AnalystVerdict.IsLearned(verdict) ? Agreement(shown, verdict) : [];
        foreach (var (source, d) in deltas)
            await AddAsync(c, tx, orgId, source, d.Agree, d.Disagree, nowMs);

        var decisionId = await c.ExecuteScalarAsync<long>("""
            INSERT INTO score_decisions (org_id, owner_kind, owner_id, kind_key, verdict, comment, actor, score, explanation, deltas, superseded, decided_at)
            VALUES (@orgId, @of, @id, @kindKey, @verdict, @comment, @actor, @score, @explanation, @deltasJson, @no, @nowMs) RETURNING id
            """, new
        {
            orgId,
            of,
            id,
            kindKey = owner.KindKey,
            verdict,
            comment,
            actor,
            score = shown.Score,
            explanation = JsonSerializer.Serialize(shown, AnalyzerReport.Json),
            deltasJson = JsonSerializer.Serialize(deltas, AnalyzerReport.Json),
            no = false,
            nowMs,
        }, tx);
        if (AnalystVerdict.IsLearned(verdict))
            foreach (var key in owner.Observables.Select(o => AnalyzerStore.DataKey(o.DataType, o.Data)).Distinct(StringComparer.Ordinal))
                await c.ExecuteAsync("INSERT INTO score_decision_values (decision_id, org_id, data_key, verdict) VALUES (@decisionId, @orgId, @key, @verdict)",
                    new { decisionId, orgId, key, verdict }, tx);

        var sightings = new List<long>();
        if (AnalystVerdict.IsLearned(verdict))
        {
            var type = verdict == AnalystVerdict.TruePositive ? SightingTypes.TruePositive : SightingTypes.FalsePositive;
            foreach (var indicatorId in owner.Observables.SelectMany(o => o.Intel ?? []).Select(m => m.IndicatorId).Distinct())
                if (await IndicatorSightings.AddAsync(c, tx, orgId, indicatorId, type, "analyst", nowMs, Note($"{of} {id}: {verdict} by {actor}")) is { } sighting)
                    sightings.Add(sighting);
            if (sightings.Count > 0)
                await c.ExecuteAsync("UPDATE score_decisions SET sightings = @json WHERE id = @decisionId",
                    new { json = JsonSerializer.Serialize(sightings), decisionId }, tx);
        }
        foreach (var a in allowlist)
            await c.ExecuteAsync("""
                INSERT INTO score_allowlist (org_id, data_type, data, data_key, reason, decision_id, created_by, created_at, expires_at)
                VALUES (@orgId, @DataType, @Data, @key, @reason, @decisionId, @actor, @nowMs, @ExpiresAt)
                """, new
            {
                orgId,
                a.DataType,
                a.Data,
                key = AnalyzerStore.DataKey(a.DataType, a.Data),
                reason = Note($"{verdict} on {of} {id} by {actor}" + (comment is null ? "" : $": {comment}")),
                decisionId,
                actor,
                nowMs,
                a.ExpiresAt
            }, tx);

        return new DecisionResult(decisionId, verdict, shown, await ScoreReads.ReliabilityAsync(c, orgId, tx), sightings.Count, allowlist.Count);
    }

    /// <summary>
    /// Takes back the standing decision on an alert or case (it was reopened, or a new decision replaces it): its counter
    /// changes are undone, its sightings withdrawn, its allowlist entries expire now, and it leaves the history. The rows
    /// stay, marked superseded, for the audit. Returns the withdrawn decision's id, or null when none stood.
    /// </summary>
    public static async Task<long?> WithdrawAsync(DbConnection c, DbTransaction tx, long orgId, string of, long id, long nowMs)
    {
        long? withdrawn = null;
        foreach (var earlier in await c.QueryAsync<(long Id, string Deltas, string? Sightings)>(
            "SELECT id, deltas, sightings FROM score_decisions WHERE org_id = @orgId AND owner_kind = @of AND owner_id = @id AND superseded = @no",
            new { orgId, of, id, no = false }, tx))
        {
            foreach (var (source, d) in JsonSerializer.Deserialize<Dictionary<string, SourceRecord>>(earlier.Deltas, AnalyzerReport.Json) ?? [])
                await AddAsync(c, tx, orgId, source, -d.Agree, -d.Disagree, nowMs);
            if (earlier.Sightings is not null)
                await IndicatorSightings.WithdrawAsync(c, tx, orgId, JsonSerializer.Deserialize<long[]>(earlier.Sightings) ?? [], nowMs);
            await c.ExecuteAsync("UPDATE score_decisions SET superseded = @yes, superseded_at = @nowMs WHERE id = @eid", new { yes = true, nowMs, eid = earlier.Id }, tx);
            await c.ExecuteAsync("UPDATE score_allowlist SET expires_at = @nowMs WHERE decision_id = @eid AND (expires_at IS NULL OR expires_at > @nowMs)",
                new { nowMs, eid = earlier.Id }, tx);
            withdrawn = earlier.Id;
        }
        return withdrawn;
    }

    /// <summary>
    /// Per source, whether its statement agreed with the analyst: its most severe level over the observables, where
    /// "malicious" agrees with a true positive and "safe" with a false positive or benign. Suspicious and info claim
    /// nothing either way; history, the allowlist and the bonus are not sources that could be wrong.
    /// </summary>
    public static Dictionary<string, SourceRecord> Agreement(OwnerScore shown, string verdict)
    {
        var worst = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var o in shown.Observables)
            foreach (var contribution in o.Contributions)
            {
                if (contribution.Source is Scorer.HistorySource or Scorer.AllowlistSource or Scorer.ObservablesSource)
                    continue;
                if (!worst.TryGetValue(contribution.Source, out var level) || Claim(contribution.Level) > Claim(level))
                    worst[contribution.Source] = contribution.Level;
            }
        var positive = verdict == AnalystVerdict.TruePositive;
        var deltas = new Dictionary<string, SourceRecord>(StringComparer.Ordinal);
        foreach (var (source, level) in worst)
            if (level == Levels.Malicious)
                deltas[source] = positive ? new SourceRecord(1, 0) : new SourceRecord(0, 1);
            else if (level == Levels.Safe)
                deltas[source] = positive ? new SourceRecord(0, 1) : new SourceRecord(1, 0);
        return deltas;
    }

    /// <summary>Which statement of a source counts when it said several things: a malicious claim over a safe one over the rest.</summary>
    static int Claim(string level) => level switch { Levels.Malicious => 2, Levels.Safe => 1, _ => 0 };

    static Task AddAsync(DbConnection c, DbTransaction tx, long orgId, string source, long agree, long disagree, long nowMs) =>
        c.ExecuteAsync("""
            INSERT INTO source_reliability (org_id, source, agree, disagree, updated_at) VALUES (@orgId, @source, @agree, @disagree, @nowMs)
            ON CONFLICT (org_id, source) DO UPDATE SET agree = source_reliability.agree + excluded.agree,
                disagree = source_reliability.disagree + excluded.disagree, updated_at = excluded.updated_at
            """, new { orgId, source, agree, disagree, nowMs }, tx);

    static string Note(string s) => s.Length <= IndicatorSightings.MaxNoteLength ? s : s[..IndicatorSightings.MaxNoteLength];
}
