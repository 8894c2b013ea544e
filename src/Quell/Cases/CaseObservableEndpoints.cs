using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Audit;
using Quell.Enrichment;
using Quell.Http;
using Quell.Identity;
using Quell.Intel.Flagging;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Cases;

/// <summary>Observables of a case: added one by one or in a batch, deduplicated by (type, value), flagged, removed.</summary>
public static class CaseObservableEndpoints
{
    public const int MaxBatch = 1000;

    public static IEndpointRouteBuilder MapCaseObservableEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/cases").WithTags("Cases");
        g.MapPost("/{id:long}/observables", Add).RequirePermission(Permission.CaseWrite)
            .WithSummary("Add one observable or an array of them; repeats of a (dataType, data) already in the case are merged (201 when any was added, 200 otherwise)");
        g.MapPatch("/{id:long}/observables/{observableId:long}", Update).RequirePermission(Permission.CaseWrite)
            .WithSummary("Change an observable's ioc, sighted, tags or message (message: null clears it)");
        g.MapDelete("/{id:long}/observables/{observableId:long}", Delete).RequirePermission(Permission.CaseWrite)
            .WithSummary("Remove an observable from the case");
        return app;
    }

    /// <summary>One observable object or a JSON array of them; errors of array items are named `[i].field`.</summary>
    public static List<ObservableInput>? ParseBatch(JsonElement root, InputErrors errors)
    {
        var list = new List<ObservableInput>();
        if (root.ValueKind == JsonValueKind.Object)
        {
            if (ObservableInput.Parse(root, errors, "") is { } one)
                list.Add(one);
        }
        else if (root.ValueKind == JsonValueKind.Array)
        {
            var count = root.GetArrayLength();
            if (count == 0)
                errors.Add("body", "body must hold at least one observable");
            else if (count > MaxBatch)
                errors.Add("body", $"one request adds at most {MaxBatch} observables");
            else
            {
                var i = 0;
                foreach (var item in root.EnumerateArray())
                {
                    if (ObservableInput.Parse(item, errors, $"[{i}].") is { } o)
                        list.Add(o);
                    i++;
                }
            }
        }
        else
            errors.Add("body", "body must be an observable {dataType, data, ioc, sighted, tags, message} or an array of them");
        return errors.Any ? null : ObservableInput.Deduplicate(list);
    }

    static async Task<IResult> Add(long id, HttpRequest request, Caller caller, Db db, AuditLog audit, AutoEnrichment autoEnrichment, TimeProvider time, CancellationToken ct)
    {
        var (items, error) = await CaseHttp.ParseAsync(request, ParseBatch, ct, 16 << 20);
        if (error is not null)
            return error;
        return await AddAsync(id, items!, caller, db, audit, autoEnrichment, time, ct);
    }

    /// <summary>Adds validated, deduplicated observables (<see cref="ParseBatch"/>) to the case; the web UI calls it too.</summary>
    public static async Task<IResult> AddAsync(long id, List<ObservableInput> items, Caller caller, Db db, AuditLog audit, AutoEnrichment autoEnrichment, TimeProvider time,
        CancellationToken ct) =>
        await db.WriteAsync((c, tx) => AddInAsync(c, tx, db, id, items, caller, audit, autoEnrichment, time), ct);

    /// <summary>The same, in the caller's transaction (a file upload writes the content in it too).</summary>
    public static async Task<IResult> AddInAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, Db db, long id, List<ObservableInput> items,
        Caller caller, AuditLog audit, AutoEnrichment autoEnrichment, TimeProvider time)
    {
        var row = await CaseStore.GetRowForWriteAsync(c, tx, db, caller.OrgId, id);
        if (row is null)
            return Problems.NotFound("case", id);
        if (CaseHttp.RefuseIfMerged(row) is { } mergedCase)
            return mergedCase;
        var owner = ObservableOwner.Case(id, caller.OrgId);
        var existing = (await ObservableStore.ListAsync(c, owner, tx)).Select(o => (o.DataType, o.Data)).ToHashSet();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await autoEnrichment.AddedAsync(c, tx, owner, await ObservableStore.MergeAsync(c, tx, owner, items, now), now);
        var stored = (await ObservableStore.ListAsync(c, owner, tx)).ToDictionary(o => (o.DataType, o.Data));
        var added = items.Where(o => !existing.Contains((o.DataType, o.Data))).Select(o => stored[(o.DataType, o.Data)]).ToList();
        var merged = items.Where(o => existing.Contains((o.DataType, o.Data))).Select(o => stored[(o.DataType, o.Data)]).ToList();
        var names = string.Join(", ", items.Take(5).Select(o => $"{o.DataType} {CaseStore.Excerpt(o.Data, 80)}")) + (items.Count > 5 ? ", …" : "");
        await CaseStore.AddTimelineAsync(c, tx, id, caller.OrgId, CaseTimelineKind.ObservablesAdded,
            $"{added.Count} observable(s) added, {merged.Count} merged: {names}", caller.Actor, now);
        await CaseStore.TouchAsync(c, tx, id, now);
        await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "observable.add", "case", CaseHttp.Id(id), null,
            new { added = added.Select(Brief), merged = merged.Select(Brief) }));
        var body = new { added, merged };
        return added.Count > 0 ? TypedResults.Created($"/api/v1/cases/{id}", body) : TypedResults.Ok(body);
    }

    public sealed record ObservablePatch(bool? Ioc, bool? Sighted, string[]? Tags, bool MessageGiven, string? Message);

    public static ObservablePatch? ParsePatch(JsonElement root, InputErrors errors)
    {
        var f = JsonFields.ForObject(root, errors);
        if (f is null)
            return null;
        var mark = errors.Count;
        var patch = new ObservablePatch(f.Bool("ioc"), f.Bool("sighted"), f.Strings("tags"),
            root.TryGetProperty("message", out _), f.String("message", maxLength: 16 * 1024, allowEmpty: true));
        if (errors.Count != mark)
            return null;
        if (patch is { Ioc: null, Sighted: null, Tags: null, MessageGiven: false })
        {
            errors.Add("body", "send at least one of ioc, sighted, tags, message");
            return null;
        }
        return patch;
    }

    static async Task<IResult> Update(long id, long observableId, HttpRequest request, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var (patch, error) = await CaseHttp.ParseAsync(request, ParsePatch, ct);
        if (error is not null)
            return error;
        return await UpdateAsync(id, observableId, patch!, caller, db, audit, time, ct);
    }

    /// <summary>Applies a validated observable patch (<see cref="ParsePatch"/>); the web UI calls it too.</summary>
    public static async Task<IResult> UpdateAsync(long id, long observableId, ObservablePatch patch, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct) =>
        await db.WriteAsync<IResult>(async (c, tx) =>
        {
            if (await CaseStore.GetRowForWriteAsync(c, tx, db, caller.OrgId, id) is null)
                return Problems.NotFound("case", id);
            var before = await GetAsync(c, tx, caller.OrgId, id, observableId);
            if (before is null)
                return Problems.NotFound("observable", observableId);
            await c.ExecuteAsync("UPDATE case_observables SET ioc = @ioc, sighted = @sighted, tags = @tags, message = @message WHERE id = @observableId", new
            {
                ioc = patch.Ioc ?? before.Ioc,
                sighted = patch.Sighted ?? before.Sighted,
                tags = patch.Tags is null ? before.TagsJson : JsonColumns.Of(patch.Tags),
                message = patch.MessageGiven ? patch.Message : before.Message,
                observableId,
            }, tx);
            var after = (await GetAsync(c, tx, caller.OrgId, id, observableId))!;
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var changes = new List<string>();
            if (after.Ioc != before.Ioc)
                changes.Add(after.Ioc ? "marked as IOC" : "no longer an IOC");
            if (after.Sighted != before.Sighted)
                changes.Add(after.Sighted ? "marked as sighted" : "no longer sighted");
            if (!after.Tags.SequenceEqual(before.Tags, StringComparer.Ordinal))
                changes.Add($"tags [{string.Join(", ", after.Tags.Select(t => CaseStore.Excerpt(t, 40)))}]");
            if (after.Message != before.Message)
                changes.Add("message changed");
            if (changes.Count > 0)
                await CaseStore.AddTimelineAsync(c, tx, id, caller.OrgId, CaseTimelineKind.ObservableUpdated,
                    $"Observable {after.DataType} {CaseStore.Excerpt(after.Data, 80)}: {string.Join(", ", changes)}", caller.Actor, now);
            await CaseStore.TouchAsync(c, tx, id, now);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "observable.update", "observable", CaseHttp.Id(observableId), before, after));
            return TypedResults.Ok(after);
        }, ct);

    /// <summary>Removes an observable from the case; the web UI calls it too.</summary>
    public static async Task<IResult> Delete(long id, long observableId, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct) =>
        await db.WriteAsync<IResult>(async (c, tx) =>
        {
            if (await CaseStore.GetRowForWriteAsync(c, tx, db, caller.OrgId, id) is null)
                return Problems.NotFound("case", id);
            var before = await GetAsync(c, tx, caller.OrgId, id, observableId);
            if (before is null)
                return Problems.NotFound("observable", observableId);
            await c.ExecuteAsync("DELETE FROM case_observables WHERE id = @observableId", new { observableId }, tx);
            await IntelMatchWrites.ForgetCaseObservablesAsync(c, tx, caller.OrgId, [observableId]);
            if (before.DataType == "file" && Files.FileValue.Parse(before.Data) is { } file)
                await Files.FileStore.DeleteIfUnreferencedAsync(c, tx, caller.OrgId, file.Sha256);
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            await CaseStore.AddTimelineAsync(c, tx, id, caller.OrgId, CaseTimelineKind.ObservableDeleted,
                $"Observable {before.DataType} {CaseStore.Excerpt(before.Data, 80)} removed", caller.Actor, now);
            await CaseStore.TouchAsync(c, tx, id, now);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "observable.delete", "observable", CaseHttp.Id(observableId), before, null));
            return TypedResults.NoContent();
        }, ct);

    static async Task<Observable?> GetAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, long orgId, long caseId, long observableId) =>
        await c.QuerySingleOrDefaultAsync<Observable>(
            $"SELECT {Observable.Columns} FROM case_observables WHERE org_id = @orgId AND case_id = @caseId AND id = @observableId",
            new { orgId, caseId, observableId }, tx);

    static object Brief(Observable o) => new { o.Id, o.DataType, o.Data };
}
