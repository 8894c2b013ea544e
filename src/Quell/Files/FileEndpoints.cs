using System.Data.Common;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Quell.Audit;
using Quell.Cases;
using Quell.Enrichment;
using Quell.Http;
using Quell.Identity;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Files;

/// <summary>
/// File observables with content: <c>POST /api/v1/{cases|alerts}/{id}/observables/file</c> (multipart, see
/// <see cref="FileUpload"/>) keeps the content and adds the observable "name|sha256" in one transaction;
/// <c>GET …/observables/{observableId}/file</c> downloads it, only ever as an attachment of type application/octet-stream.
/// </summary>
public static class FileEndpoints
{
    public static IEndpointRouteBuilder MapFileEndpoints(this IEndpointRouteBuilder app)
    {
        var cases = app.MapGroup("/api/v1/cases").WithTags("Cases");
        cases.MapPost("/{id:long}/observables/file", AddToCase).RequirePermission(Permission.CaseWrite)
            .WithSummary("Attach a file (multipart: file, and optional filename, ioc, sighted, tags, message, addHashes) as a file observable name|sha256");
        cases.MapGet("/{id:long}/observables/{observableId:long}/file", (long id, long observableId, Caller caller, Db db, CancellationToken ct) =>
            DownloadAsync(ObservableOwner.Case(id, caller.OrgId), observableId, db, ct)).RequirePermission(Permission.CaseRead)
            .WithSummary("The content of a file observable, as application/octet-stream with Content-Disposition: attachment");
        var alerts = app.MapGroup("/api/v1/alerts").WithTags("Alerts");
        alerts.MapPost("/{id:long}/observables/file", AddToAlert).RequirePermission(Permission.AlertWrite)
            .WithSummary("Attach a file (multipart, as for cases) to the alert as a file observable name|sha256");
        alerts.MapGet("/{id:long}/observables/{observableId:long}/file", (long id, long observableId, Caller caller, Db db, CancellationToken ct) =>
            DownloadAsync(ObservableOwner.Alert(id, caller.OrgId), observableId, db, ct)).RequirePermission(Permission.AlertRead)
            .WithSummary("The content of a file observable, as application/octet-stream with Content-Disposition: attachment");
        return app;
    }

    static async Task<IResult> AddToCase(long id, HttpRequest request, Caller caller, Db db, AuditLog audit, AutoEnrichment autoEnrichment, IOptions<FileOptions> options,
        TimeProvider time, CancellationToken ct)
    {
        var (upload, problem) = await FileUpload.ReadAsync(request, options.Value.MaxBytes, ct);
        if (upload is null)
            return problem!;
        return await AddToCaseAsync(id, upload, caller, db, audit, autoEnrichment, time, ct);
    }

    /// <summary>Keeps the content and adds the observables to the case in one transaction; the web UI calls it too.</summary>
    public static Task<IResult> AddToCaseAsync(long id, FileUpload upload, Caller caller, Db db, AuditLog audit, AutoEnrichment autoEnrichment, TimeProvider time, CancellationToken ct) =>
        db.WriteAsync<IResult>(async (c, tx) =>
        {
            var file = FileStore.Describe(upload.Content, upload.ContentType);
            var result = await CaseObservableEndpoints.AddInAsync(c, tx, db, id, upload.Observables(file), caller, audit, autoEnrichment, time);
            // An unknown or merged case wrote nothing, and then neither does the content.
            if (result is not IStatusCodeHttpResult { StatusCode: < 300 } ok)
                return result;
            await FileStore.PutAsync(c, tx, caller.OrgId, file, upload.Content, caller.Actor, time.GetUtcNow().ToUnixTimeMilliseconds());
            return await AnswerAsync(c, tx, ObservableOwner.Case(id, caller.OrgId), $"/api/v1/cases/{id}", upload, file, ok.StatusCode == StatusCodes.Status201Created);
        }, ct);

    static async Task<IResult> AddToAlert(long id, HttpRequest request, Caller caller, Db db, AuditLog audit, AutoEnrichment autoEnrichment, IOptions<FileOptions> options,
        TimeProvider time, CancellationToken ct)
    {
        var (upload, problem) = await FileUpload.ReadAsync(request, options.Value.MaxBytes, ct);
        if (upload is null)
            return problem!;
        return await AddToAlertAsync(id, upload, caller, db, audit, autoEnrichment, time, ct);
    }

    /// <summary>
    /// Keeps the content and adds the observables to the alert (and to its case, when it was promoted, as a re-posted
    /// alert's new observables are) in one transaction.
    /// </summary>
    public static Task<IResult> AddToAlertAsync(long id, FileUpload upload, Caller caller, Db db, AuditLog audit, AutoEnrichment autoEnrichment, TimeProvider time, CancellationToken ct) =>
        db.WriteAsync<IResult>(async (c, tx) =>
        {
            var alert = await c.QuerySingleOrDefaultAsync<Alerts.AlertRow>(
                $"SELECT {Alerts.AlertRow.Columns} FROM alerts a WHERE a.org_id = @orgId AND a.id = @id" + (db.IsPostgres ? " FOR UPDATE" : ""), new { orgId = caller.OrgId, id }, tx);
            if (alert is null)
                return Problems.NotFound("alert", id);
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var file = FileStore.Describe(upload.Content, upload.ContentType);
            await FileStore.PutAsync(c, tx, caller.OrgId, file, upload.Content, caller.Actor, now);
            var items = upload.Observables(file);
            var owner = ObservableOwner.Alert(id, caller.OrgId);
            var added = await ObservableStore.MergeAsync(c, tx, owner, items, now);
            await autoEnrichment.AddedAsync(c, tx, owner, added, now);
            await c.ExecuteAsync("UPDATE alerts SET observable_count = observable_count + @n, updated_at = @now WHERE id = @id", new { n = added.Count, now, id }, tx);
            if (alert.CaseId is { } caseId && added.Count > 0)
            {
                var toCase = await ObservableStore.MergeAsync(c, tx, ObservableOwner.Case(caseId, caller.OrgId), added.ToList(), now);
                await autoEnrichment.AddedAsync(c, tx, ObservableOwner.Case(caseId, caller.OrgId), toCase, now);
                if (toCase.Count > 0)
                    await CaseStore.AddTimelineAsync(c, tx, caseId, caller.OrgId, "alert.updated", $"Alert {id} was given the file {CaseStore.Excerpt(upload.Name, 80)}", caller.Actor, now);
            }
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "observable.add", "alert", id.ToString(System.Globalization.CultureInfo.InvariantCulture), null,
                new { added = added.Select(o => new { o.DataType, o.Data }), file = new { file.Sha256, file.Size } }));
            return await AnswerAsync(c, tx, owner, $"/api/v1/alerts/{id}", upload, file, added.Any(o => o.DataType == "file"));
        }, ct);

    /// <summary>201 (or 200 when the same file of the same name was there) with the file observable, its content's summary and the hash observables.</summary>
    static async Task<IResult> AnswerAsync(DbConnection c, DbTransaction tx, ObservableOwner owner, string ownerPath, FileUpload upload, StoredFile file, bool created)
    {
        var value = FileValue.Of(upload.Name, file.Sha256);
        var all = await ObservableStore.ListAsync(c, owner, tx);
        var observable = all.Single(o => o.DataType == "file" && o.Data == value);
        await FileSummaries.AttachAsync(c, owner.OrgId, ownerPath, [observable], tx);
        var hashes = upload.AddHashes ? all.Where(o => o.DataType == "hash" && (o.Data == file.Md5 || o.Data == file.Sha1 || o.Data == file.Sha256)).ToList() : [];
        var body = new { observable, hashes };
        return created ? TypedResults.Created($"{ownerPath}/observables/{observable.Id}/file", body) : TypedResults.Ok(body);
    }

    /// <summary>
    /// The content of a file observable of the owner. Samples are live malware: never served with their own type nor
    /// inline, and a browser is told not to sniff, render or cache them.
    /// </summary>
    static async Task<IResult> DownloadAsync(ObservableOwner owner, long observableId, Db db, CancellationToken ct)
    {
        var found = await db.ReadAsync<(Observable?, string?, byte[]?)>(async c =>
        {
            var o = await c.QuerySingleOrDefaultAsync<Observable>(
                $"SELECT {Observable.Columns} FROM {owner.Table} WHERE org_id = @OrgId AND {owner.OwnerColumn} = @OwnerId AND id = @observableId",
                new { owner.OrgId, owner.OwnerId, observableId });
            if (o is null || o.DataType != "file" || FileValue.Parse(o.Data) is not { } value)
                return (o, null, null);
            return (o, (string?)value.Name, await FileStore.ReadAsync(c, owner.OrgId, value.Sha256));
        }, ct);
        return found switch
        {
            (null, _, _) => Problems.NotFound("observable", observableId),
            (_, null, _) => Problems.NotFound("file content of observable", observableId + " (it is not a file observable named name|sha256)"),
            (_, _, null) => Problems.NotFound("file content of observable", observableId + " (Quell keeps no content for it; attach the file with POST …/observables/file)"),
            var (_, name, bytes) => new SampleResult(bytes, name),
        };
    }

    sealed class SampleResult(byte[] content, string name) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
            headers.CacheControl = "no-store";
            return TypedResults.File(content, "application/octet-stream", name).ExecuteAsync(http);
        }
    }
}
