using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Quell.Audit;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Intel.Taxii;

/// <summary>
/// The TAXII 2.1 server. Discovery at <c>/taxii2/</c> (open: it names only the API root); one API root,
/// <c>/taxii2/api/</c>, which is the caller's organisation: an API key acts in the organisation it was made for, so
/// the same URL serves each organisation its own collections. Every answer is <c>application/taxii+json;version=2.1</c>;
/// errors are TAXII error messages.
/// </summary>
public static class TaxiiEndpoints
{
    public const string ApiRoot = "/taxii2/api/";

    public static IEndpointRouteBuilder MapTaxiiEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/taxii2").WithTags("TAXII").AddEndpointFilter(async (context, next) =>
            TaxiiMedia.Acceptable(context.HttpContext.Request) ? await next(context) : TaxiiErrors.NotAcceptable());
        g.MapGet("/", Discovery).Public().WithSummary("TAXII discovery: the API root");
        g.MapGet("/api/", Root).RequirePermission(Permission.IntelRead).WithSummary("TAXII API root of the caller's organisation (max_content_length)");
        g.MapGet("/api/collections/", Collections).RequirePermission(Permission.IntelRead)
            .WithSummary("TAXII collections the caller may read or write");
        g.MapGet("/api/collections/{collectionId}/", Collection).RequirePermission(Permission.IntelRead).WithSummary("One TAXII collection");
        g.MapGet("/api/collections/{collectionId}/objects/", Objects).RequirePermission(Permission.IntelRead)
            .WithSummary("Objects of a collection: added_after, limit, next, match[id|type|version|spec_version]; X-TAXII-Date-Added-First/Last");
        g.MapGet("/api/collections/{collectionId}/objects/{objectId}/", Object).RequirePermission(Permission.IntelRead)
            .WithSummary("One object of a collection (match[version] to pick versions)");
        g.MapPost("/api/collections/{collectionId}/objects/", Add).RequirePermission(Permission.IntelWrite)
            .WithSummary("Add an envelope of STIX objects (202 with a status); indicators are imported into the intel store");
        g.MapGet("/api/collections/{collectionId}/manifest/", Manifest).RequirePermission(Permission.IntelRead)
            .WithSummary("Manifest of a collection: id, date_added, version, media_type per object; same filters as objects");
        g.MapGet("/api/status/{statusId}/", Status).RequirePermission(Permission.IntelRead).WithSummary("Status of an earlier POST of objects");
        return app;
    }

    static string Base(HttpRequest r) => $"{r.Scheme}://{r.Host}{r.PathBase}";

    static IResult Discovery(HttpRequest request) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("title", "Quell TAXII 2.1");
        w.WriteString("description", "Threat intelligence of a Quell organisation. The API root is the organisation of the credentials used: a Quell API key as Bearer token or as the Basic password.");
        w.WriteString("default", Base(request) + ApiRoot);
        w.WriteStartArray("api_roots");
        w.WriteStringValue(Base(request) + ApiRoot);
        w.WriteEndArray();
        w.WriteEndObject();
    });

    static async Task<IResult> Root(Caller caller, Db db, IOptions<TaxiiOptions> options, CancellationToken ct)
    {
        var name = await db.ReadAsync(c => c.ExecuteScalarAsync<string>("SELECT name FROM organisations WHERE id = @id", new { id = caller.OrgId }), ct);
        return Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("title", name);
            w.WriteString("description", $"Threat intelligence of the Quell organisation '{name}'");
            w.WriteStartArray("versions");
            w.WriteStringValue(TaxiiMedia.Taxii);
            w.WriteEndArray();
            w.WriteNumber("max_content_length", options.Value.MaxContentLength);
            w.WriteEndObject();
        });
    }

    static async Task<IResult> Collections(Caller caller, Db db, CancellationToken ct)
    {
        var all = await db.ReadAsync(c => TaxiiCollectionStore.ListAsync(c, caller.OrgId), ct);
        return Json(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("collections");
            foreach (var collection in all.Where(x => x.Visible(caller)))
                WriteCollection(w, collection, caller);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    static async Task<IResult> Collection(string collectionId, Caller caller, Db db, CancellationToken ct)
    {
        var collection = await FindAsync(db, caller, collectionId, ct);
        return collection is null ? NoCollection(collectionId) : Json(w => WriteCollection(w, collection, caller));
    }

    static void WriteCollection(Utf8JsonWriter w, TaxiiCollection collection, Caller caller)
    {
        w.WriteStartObject();
        w.WriteString("id", collection.Uuid);
        w.WriteString("title", collection.Title);
        if (collection.Description.Length > 0)
            w.WriteString("description", collection.Description);
        if (collection.Alias is { } alias)
            w.WriteString("alias", alias);
        w.WriteBoolean("can_read", collection.CanRead(caller));
        w.WriteBoolean("can_write", collection.CanWrite(caller));
        w.WriteStartArray("media_types");
        w.WriteStringValue(TaxiiMedia.Stix);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    static Task<IResult> Objects(string collectionId, HttpContext http, Caller caller, Db db, IOptions<TaxiiOptions> options, TimeProvider time, CancellationToken ct) =>
        PageAsync(collectionId, null, manifest: false, http, caller, db, options.Value, time, ct);

    static Task<IResult> Object(string collectionId, string objectId, HttpContext http, Caller caller, Db db, IOptions<TaxiiOptions> options, TimeProvider time, CancellationToken ct) =>
        PageAsync(collectionId, objectId, manifest: false, http, caller, db, options.Value, time, ct);

    static Task<IResult> Manifest(string collectionId, HttpContext http, Caller caller, Db db, IOptions<TaxiiOptions> options, TimeProvider time, CancellationToken ct) =>
        PageAsync(collectionId, null, manifest: true, http, caller, db, options.Value, time, ct);

    static async Task<IResult> PageAsync(string collectionId, string? objectId, bool manifest, HttpContext http, Caller caller, Db db, TaxiiOptions options, TimeProvider time, CancellationToken ct)
    {
        var collection = await FindAsync(db, caller, collectionId, ct);
        if (collection is null)
            return NoCollection(collectionId);
        if (!collection.CanRead(caller))
            return TaxiiErrors.Forbidden($"the collection '{collection.Title}' is not readable by the role {Roles.Name(caller.Role)}");
        var query = TaxiiObjectQuery.Parse(http.Request.Query, options.MaxPageSize, objectId, out var error);
        if (query is null)
            return TaxiiErrors.BadRequest(error!);
        var now = time.GetUtcNow();
        var page = await db.ReadAsync(c => collection.IsIndicators
            ? IndicatorObjects.ReadAsync(c, caller.OrgId, query, now)
            : StoredObjects.ReadAsync(c, collection.Id, query), ct);
        if (objectId is not null && page.Items.Count == 0 && !page.More)
            return TaxiiErrors.NotFound($"the collection '{collection.Title}' holds no object {IndicatorNormalizer.Printable(objectId)} of the versions asked for");
        if (page.Items.Count > 0)
        {
            http.Response.Headers["X-TAXII-Date-Added-First"] = TaxiiObjectQuery.Millis(page.Items[0].DateAdded);
            http.Response.Headers["X-TAXII-Date-Added-Last"] = TaxiiObjectQuery.Millis(page.Items[^1].DateAdded);
        }
        return Json(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("more", page.More);
            if (page.Next is { } next)
                w.WriteString("next", next);
            w.WriteStartArray("objects");
            foreach (var item in page.Items)
            {
                if (!manifest)
                {
                    w.WriteRawValue(item.Json, skipInputValidation: true);
                    continue;
                }
                w.WriteStartObject();
                w.WriteString("id", item.Id);
                w.WriteString("date_added", TaxiiObjectQuery.Millis(item.DateAdded));
                w.WriteString("version", TaxiiObjectQuery.Micros(item.Version));
                w.WriteString("media_type", TaxiiMedia.Stix);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    static async Task<IResult> Add(string collectionId, HttpRequest request, Caller caller, Db db, IIndicatorImport import, AuditLog audit,
        IOptions<TaxiiOptions> options, TimeProvider time, CancellationToken ct)
    {
        var collection = await FindAsync(db, caller, collectionId, ct);
        if (collection is null)
            return NoCollection(collectionId);
        if (!collection.CanWrite(caller))
            return TaxiiErrors.Forbidden(collection.IsIndicators
                ? "the indicators collection is read-only: add indicators with POST /api/v1/indicators, or post to a collection an admin created"
                : $"the collection '{collection.Title}' is not writable by the role {Roles.Name(caller.Role)}");
        if (!TaxiiMedia.IsTaxiiBody(request))
            return TaxiiErrors.Error(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"send the envelope as {TaxiiMedia.Taxii}, not '{IndicatorNormalizer.Printable(request.ContentType ?? "")}'");
        var (body, problem) = await TaxiiBody.ReadAsync(request, options.Value.MaxContentLength, ct);
        if (problem is not null)
            return problem;
        using var _ = body;
        var status = await TaxiiAddObjects.RunAsync(body!.RootElement, collection, caller, db, import, audit, time.GetUtcNow(), ct);
        return Json(status.Write, StatusCodes.Status202Accepted);
    }

    static async Task<IResult> Status(string statusId, Caller caller, Db db, CancellationToken ct)
    {
        var status = await db.ReadAsync(c => TaxiiStatus.FindAsync(c, caller.OrgId, statusId), ct);
        return status is null ? TaxiiErrors.NotFound($"there is no status {IndicatorNormalizer.Printable(statusId)} in this API root") : Json(status.Write);
    }

    /// <summary>A collection the caller may see (read or write); the others answer 404, as if they did not exist.</summary>
    static async Task<TaxiiCollection?> FindAsync(Db db, Caller caller, string collectionId, CancellationToken ct)
    {
        var collection = await db.ReadAsync(c => TaxiiCollectionStore.FindAsync(c, caller.OrgId, collectionId), ct);
        return collection is not null && collection.Visible(caller) ? collection : null;
    }

    static IResult NoCollection(string id) =>
        TaxiiErrors.NotFound($"there is no collection {IndicatorNormalizer.Printable(id)} that you may read or write in this API root; GET {ApiRoot}collections/ lists them");

    static IResult Json(Action<Utf8JsonWriter> write, int status = StatusCodes.Status200OK) => new JsonResult(write, status);

    sealed class JsonResult(Action<Utf8JsonWriter> write, int status) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = status;
            http.Response.ContentType = TaxiiMedia.Taxii;
            await using var w = new Utf8JsonWriter(http.Response.BodyWriter, TaxiiMedia.Writer);
            write(w);
            await w.FlushAsync(http.RequestAborted);
        }
    }
}
