using System.Data.Common;
using Dapper;
using Microsoft.AspNetCore.Http;
using Quell.Http;
using Quell.Identity;
using Quell.Observables;

namespace Quell.Cases;

/// <summary>Applies a <see cref="CasePatch"/>: checks the status/resolution rules, writes the row, notes the timeline.</summary>
public static class CaseUpdate
{
    public sealed record Result(IResult? Error);

    public static async Task<Result> ApplyAsync(DbConnection c, DbTransaction tx, CaseRow row, CasePatch p, Caller caller, long now)
    {
        var status = p.Status ?? row.Status;
        var resolution = p.Resolution ?? row.Resolution;
        if (status == CaseStatus.Resolved && resolution is null)
            return new Result(Problems.Invalid("resolution", $"resolution is required to resolve a case: one of {string.Join(", ", CaseResolution.All)}"));
        if (status != CaseStatus.Resolved && p.Resolution is not null)
            return new Result(Problems.Invalid("resolution", "resolution can only be set on a resolved case (send status: resolved)"));
        if (status != CaseStatus.Resolved)
            resolution = null;

        var assigneeId = row.AssigneeId;
        if (p.AssigneeGiven)
        {
            assigneeId = null;
            if (p.Assignee is not null)
            {
                assigneeId = await CaseEndpoints.MemberIdAsync(c, tx, row.OrgId, p.Assignee);
                if (assigneeId is null)
                    return new Result(Problems.Invalid("assignee", $"assignee '{p.Assignee}' is not a user of this organisation"));
            }
        }

        long? resolvedAt = p.ResolvedAt ?? row.ResolvedAt;
        if (status == CaseStatus.Resolved && row.Status != CaseStatus.Resolved)
            resolvedAt = p.ResolvedAt ?? now;
        else if (status != CaseStatus.Resolved)
            resolvedAt = p.ResolvedAt;

        await c.ExecuteAsync("""
            UPDATE cases SET title = @title, description = @description, severity = @severity, tlp = @tlp, pap = @pap, status = @status,
                             resolution = @resolution, summary = @summary, assignee_id = @assigneeId, tags = @tags, custom_fields = @customFields,
                             first_evidence_at = @firstEvidenceAt, detected_at = @detectedAt, contained_at = @containedAt, resolved_at = @resolvedAt,
                             updated_at = @now, version = version + 1
            WHERE id = @id
            """, new
        {
            title = p.Title ?? row.Title,
            description = p.Description ?? row.Description,
            severity = p.Severity ?? row.Severity,
            tlp = (int?)p.Tlp ?? row.Tlp,
            pap = (int?)p.Pap ?? row.Pap,
            status,
            resolution,
            summary = p.Summary ?? row.Summary,
            assigneeId,
            tags = p.Tags is null ? row.TagsJson : JsonColumns.Of(p.Tags),
            customFields = p.CustomFieldsJson ?? row.CustomFieldsJson,
            firstEvidenceAt = p.FirstEvidenceAt ?? row.FirstEvidenceAt,
            detectedAt = p.DetectedAt ?? row.DetectedAt,
            containedAt = p.ContainedAt ?? row.ContainedAt,
            resolvedAt,
            now,
            id = row.Id,
        }, tx);
        if (p.Tags is not null)
            await CaseStore.SetTagsAsync(c, tx, row.Id, row.OrgId, p.Tags);

        if (status != row.Status)
            await CaseStore.AddTimelineAsync(c, tx, row.Id, row.OrgId, CaseTimelineKind.Status,
                $"Status {row.Status} → {status}{(resolution is null ? "" : $" ({resolution})")}", caller.Actor, now);
        if (assigneeId != row.AssigneeId)
            await CaseStore.AddTimelineAsync(c, tx, row.Id, row.OrgId, CaseTimelineKind.Assignee,
                assigneeId is null ? "Unassigned" : $"Assigned to {p.Assignee!.Trim().ToLowerInvariant()}", caller.Actor, now);
        if (p.Severity is { } s && s != row.Severity)
            await CaseStore.AddTimelineAsync(c, tx, row.Id, row.OrgId, CaseTimelineKind.Severity, $"Severity {row.Severity} → {s}", caller.Actor, now);
        if (p.ContainedAt is not null && row.ContainedAt is null)
            await CaseStore.AddTimelineAsync(c, tx, row.Id, row.OrgId, CaseTimelineKind.Contained, "Marked contained", caller.Actor, now);
        return new Result(null);
    }
}
