using System.Data.Common;
using Dapper;
using Quell.Observables;

namespace Quell.Cases;

/// <summary>
/// Merges one case (the source) into another (the target): the source's observables, tasks (with their logs),
/// comments and linked alerts move to the target, and the source is resolved as a duplicate pointing at the target.
/// </summary>
public static class CaseMerge
{
    public sealed record Outcome(int Observables, int NewObservables, int Tasks, int Comments, int Alerts);

    /// <summary>Why two cases cannot be merged, or null when they can.</summary>
    public static string? Refusal(CaseRow target, CaseRow source)
    {
        if (target.Id == source.Id)
            return $"case {target.Id} cannot be merged into itself";
        if (source.MergedInto is { } done)
            return $"case {source.Id} was already merged into case {done}";
        if (target.MergedInto is { } next)
            return $"case {target.Id} was merged into case {next}; merge into case {next} instead";
        return null;
    }

    /// <summary>
    /// Does the merge in the caller's transaction; both rows must be locked for write (see
    /// <see cref="CaseStore.GetRowForWriteAsync"/>) and <see cref="Refusal"/> must be null.
    /// </summary>
    public static async Task<Outcome> MergeAsync(DbConnection c, DbTransaction tx, CaseRow target, CaseRow source, Enrichment.AutoEnrichment autoEnrichment, string actor, long now)
    {
        var org = target.OrgId;
        var observables = await ObservableStore.ListAsync(c, ObservableOwner.Case(source.Id, org), tx);
        var newObservables = await ObservableStore.MergeAsync(c, tx, ObservableOwner.Case(target.Id, org),
            observables.Select(ObservableStore.ToInput).ToList(), now);
        await autoEnrichment.AddedAsync(c, tx, ObservableOwner.Case(target.Id, org), newObservables, now);
        await c.ExecuteAsync("DELETE FROM case_observables WHERE case_id = @id", new { id = source.Id }, tx);
        // The moved observables are new rows of the target, looked up afresh; the source's flags go with its rows.
        await Intel.Flagging.IntelMatchWrites.ForgetCaseObservablesAsync(c, tx, org, observables.Select(o => o.Id).ToList());

        // Moved tasks keep their order and come after the target's own; their logs follow them (keyed by task id).
        var offset = await CaseStore.NextTaskPositionAsync(c, tx, target.Id);
        var tasks = await c.ExecuteAsync("UPDATE case_tasks SET case_id = @target, position = position + @offset WHERE case_id = @source",
            new { target = target.Id, source = source.Id, offset }, tx);
        var comments = await c.ExecuteAsync("UPDATE case_comments SET case_id = @target WHERE case_id = @source",
            new { target = target.Id, source = source.Id }, tx);
        var alerts = await c.ExecuteAsync("UPDATE alerts SET case_id = @target, updated_at = @now WHERE org_id = @org AND case_id = @source",
            new { target = target.Id, source = source.Id, org, now }, tx);

        // The merged investigation is as severe and as restricted as the stricter of the two: observables that came
        // under TLP:RED must not become shareable because they now sit in an AMBER case.
        var tags = JsonColumns.Tags(target.TagsJson).Union(JsonColumns.Tags(source.TagsJson), StringComparer.Ordinal).ToArray();
        await c.ExecuteAsync("""
            UPDATE cases SET first_evidence_at = @firstEvidenceAt, detected_at = @detectedAt, severity = @severity, tlp = @tlp, pap = @pap,
                             tags = @tags, updated_at = @now, version = version + 1
            WHERE id = @id
            """, new
        {
            firstEvidenceAt = Earliest(target.FirstEvidenceAt, source.FirstEvidenceAt),
            detectedAt = Earliest(target.DetectedAt, source.DetectedAt),
            severity = Math.Max(target.Severity, source.Severity),
            tlp = Math.Max(target.Tlp, source.Tlp),
            pap = Math.Max(target.Pap, source.Pap),
            tags = JsonColumns.Of(tags),
            now,
            id = target.Id,
        }, tx);
        await CaseStore.SetTagsAsync(c, tx, target.Id, org, tags);

        await c.ExecuteAsync("""
            UPDATE cases SET status = @resolved, resolution = @duplicate, merged_into = @target,
                             resolved_at = CASE WHEN status = @resolved AND resolved_at IS NOT NULL THEN resolved_at ELSE @now END,
                             updated_at = @now, version = version + 1
            WHERE id = @id
            """, new { resolved = CaseStatus.Resolved, duplicate = CaseResolution.Duplicate, target = target.Id, now, id = source.Id }, tx);

        var outcome = new Outcome(observables.Count, newObservables.Count, tasks, comments, alerts);
        await CaseStore.AddTimelineAsync(c, tx, target.Id, org, CaseTimelineKind.MergedFrom,
            $"Case #{source.Number} merged into this case: {outcome.Observables} observable(s) ({outcome.NewObservables} new), {outcome.Tasks} task(s), {outcome.Comments} comment(s), {outcome.Alerts} alert(s)",
            actor, now);
        await CaseStore.AddTimelineAsync(c, tx, source.Id, org, CaseTimelineKind.MergedInto,
            $"Merged into case #{target.Number}; resolved as {CaseResolution.Duplicate}", actor, now);
        return outcome;
    }

    static long? Earliest(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
