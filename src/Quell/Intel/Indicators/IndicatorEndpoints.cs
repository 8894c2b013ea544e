using System.Globalization;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Audit;
using Quell.Http;
using Quell.Identity;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Intel.Indicators;

public static partial class IndicatorEndpoints
{
    /// <summary>A JSON body may carry a value up to the normalizer's limit and still be read, so its error names the field.</summary>
    public const int MaxJsonBytes = 2 << 20;

    /// <summary>Text bodies of _import: one transaction holds them all.</summary>
    public const int MaxImportBytes = 16 << 20;

    public static IEndpointRouteBuilder MapIntelIndicatorEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/indicators").WithTags("Indicators");
        g.MapPost("", Create).RequirePermission(Permission.IntelWrite)
            .WithSummary("Add an indicator (201), or add this source to the existing one of the same type and normalized value (200)");
        g.MapGet("", Search).RequirePermission(Permission.IntelRead)
            .WithSummary("Search indicators: value (exact, normalized), q (value prefix), type, tag, source, minScore, since; keyset cursor");
        g.MapGet("/{id:long}", Get).RequirePermission(Permission.IntelRead)
            .WithSummary("An indicator with its sources and event context, sightings, score and its explanation, warninglist hits");
        g.MapMethods("/{id:long}", ["PATCH"], Patch).RequirePermission(Permission.IntelWrite)
            .WithSummary("Change tags, tlp, category, toIds, comment, confidence, firstSeen, lastSeen");
        g.MapDelete("/{id:long}", Delete).RequirePermission(Permission.IntelWrite).WithSummary("Delete an indicator with its sources and sightings");
        g.MapPost("/{id:long}/sightings", AddSighting).RequirePermission(Permission.IntelWrite)
            .WithSummary("Record a sighting: seen, false-positive, expiration or true-positive");
        g.MapPost("/_import", Import).RequirePermission(Permission.IntelWrite)
            .WithSummary("Import a text body: format=csv (header with type,value[,tags,comment,tlp,category,to_ids]) or freetext (one value per line)");
        return app;
    }

    static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    static async Task<IResult> Create(HttpRequest request, Caller caller, Db db, IndicatorStore store, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, MaxJsonBytes, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var errors = new InputErrors();
        var input = IndicatorInput.Parse(doc!.RootElement, errors, patch: false);
        if (input is null || errors.Any)
            return Problems.Invalid(errors);
        return await CreateAsync(input, caller, db, store, audit, time, ct);
    }

    /// <summary>
    /// Adds a parsed indicator (or this source to the existing one): 201 or 200 with the <see cref="IndicatorView"/>.
    /// The API and the web UI's form both end here.
    /// </summary>
    public static async Task<IResult> CreateAsync(IndicatorInput input, Caller caller, Db db, IndicatorStore store, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var pending = store.Prepare(input.ToRecord(), new ImportOptions(), out var reason);
        if (pending is null)
            return Problems.Invalid("value", reason!);
        var source = input.Source is { } name ? new IndicatorSource("api", name) : new IndicatorSource("user", caller.Username);
        var now = time.GetUtcNow();
        var (outcome, view) = await db.WriteAsync(async (c, tx) =>
        {
            var o = (await IndicatorWrites.UpsertAsync(c, tx, caller.OrgId, source, [pending], IndicatorStore.NewRun(), now.ToUnixTimeMilliseconds()))[0];
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, o.Created ? "indicator.create" : "indicator.report", "indicator", Id(o.Id),
                null, new { pending.Type, pending.Value, source = source.Name }));
            return (o, await IndicatorReads.GetViewAsync(c, caller.OrgId, o.Id, now, tx));
        }, ct);
        return outcome.Created ? TypedResults.Created($"/api/v1/indicators/{outcome.Id}", view!) : TypedResults.Ok(view!);
    }

    static async Task<IResult> Search(HttpRequest request, Caller caller, Db db, TimeProvider time, CancellationToken ct)
    {
        var errors = new InputErrors();
        var query = IndicatorQuery.Parse(new QueryParams(request.Query, errors));
        if (errors.Any)
            return Problems.Invalid(errors);
        var page = await db.ReadAsync(c => query.RunAsync(c, caller.OrgId, time.GetUtcNow()), ct);
        if (page.CursorError is { } cursorError)
            return Problems.Invalid("cursor", cursorError);
        return TypedResults.Ok(new { items = page.Items, next = page.Next });
    }

    static async Task<IResult> Get(long id, Caller caller, Db db, TimeProvider time, CancellationToken ct)
    {
        var view = await db.ReadAsync(c => IndicatorReads.GetViewAsync(c, caller.OrgId, id, time.GetUtcNow()), ct);
        return view is null ? Problems.NotFound("indicator", id) : TypedResults.Ok(view);
    }

    static async Task<IResult> Patch(long id, HttpRequest request, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, MaxJsonBytes, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var errors = new InputErrors();
        var input = IndicatorInput.Parse(doc!.RootElement, errors, patch: true);
        if (input is null || errors.Any)
            return Problems.Invalid(errors);
        return await UpdateAsync(id, input, caller, db, audit, time, ct);
    }

    /// <summary>Applies a parsed PATCH: 200 with the <see cref="IndicatorView"/>, 404, or 400 naming the field.</summary>
    public static async Task<IResult> UpdateAsync(long id, IndicatorInput input, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var result = await db.WriteAsync<IResult>(async (c, tx) =>
        {
            var row = await IndicatorReads.GetRowAsync(c, caller.OrgId, id, tx);
            if (row is null)
                return Problems.NotFound("indicator", id);
            if (input.Category is { } category && !IndicatorTypes.CategoryAllows(category, row.Type))
                return Problems.Invalid("category", $"category '{category}' does not allow type {row.Type}");
            var firstSeen = input.FirstSeen ?? row.FirstSeen;
            var lastSeen = input.LastSeen ?? row.LastSeen;
            if (firstSeen > lastSeen)
                return Problems.Invalid("lastSeen", "lastSeen must not be before firstSeen");
            var after = new
            {
                tags = input.Tags is { } tags ? IndicatorJson.Tags(tags.Distinct(StringComparer.Ordinal).ToList()) : row.Tags,
                tlp = input.Tlp is { } tlp ? (int)tlp : row.Tlp,
                category = input.Category ?? row.Category,
                toIds = input.ToIds ?? row.ToIds,
                comment = input.HasComment ? (string.IsNullOrWhiteSpace(input.Comment) ? null : input.Comment) : row.Comment,
                confidence = input.HasConfidence ? input.Confidence : row.Confidence,
                firstSeen,
                lastSeen,
            };
            await c.ExecuteAsync("""
                UPDATE indicators SET tags = @tags, tlp = @tlp, category = @category, to_ids = @toIds, comment = @comment, confidence = @confidence,
                  first_seen = @firstSeen, last_seen = @lastSeen, updated_at = @now WHERE id = @id
                """, new { after.tags, after.tlp, after.category, after.toIds, after.comment, after.confidence, after.firstSeen, after.lastSeen, now = now.ToUnixTimeMilliseconds(), id }, tx);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "indicator.update", "indicator", Id(id),
                new { tags = row.Tags, tlp = TlpNames.Name(row.Tlp), row.Category, row.ToIds, row.Comment, row.Confidence, row.FirstSeen, row.LastSeen },
                new { after.tags, tlp = TlpNames.Name(after.tlp), after.category, after.toIds, after.comment, after.confidence, after.firstSeen, after.lastSeen }));
            return TypedResults.Ok((await IndicatorReads.GetViewAsync(c, caller.OrgId, id, now, tx))!);
        }, ct);
        return result;
    }

    static async Task<IResult> Delete(long id, Caller caller, Db db, AuditLog audit, CancellationToken ct)
    {
        var deleted = await db.WriteAsync(async (c, tx) =>
        {
            var row = await IndicatorReads.GetRowAsync(c, caller.OrgId, id, tx);
            if (row is null)
                return false;
            // Children first: PostgreSQL cascades, but SQLite only when the connection enabled foreign keys.
            await c.ExecuteAsync("DELETE FROM indicator_sightings WHERE indicator_id = @id", new { id }, tx);
            await c.ExecuteAsync("DELETE FROM indicator_sources WHERE indicator_id = @id", new { id }, tx);
            await c.ExecuteAsync("DELETE FROM observable_intel_matches WHERE indicator_id = @id", new { id }, tx);
            await c.ExecuteAsync("DELETE FROM indicators WHERE id = @id", new { id }, tx);
            await Flagging.FlagCursors.RewindAfterDeleteAsync(c, tx, Flagging.FlagCursors.Indicators, id);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "indicator.delete", "indicator", Id(id), new { row.Type, row.Value }, null));
            return true;
        }, ct);
        return deleted ? TypedResults.NoContent() : Problems.NotFound("indicator", id);
    }

    static async Task<IResult> AddSighting(long id, HttpRequest request, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, JsonBody.DefaultMaxBytes, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var errors = new InputErrors();
        var input = SightingInput.Parse(doc!.RootElement, errors);
        if (input is null)
            return Problems.Invalid(errors);
        return await AddSightingAsync(id, input, caller, db, audit, time, ct);
    }

    /// <summary>Records a parsed sighting: 201 with the rescored <see cref="IndicatorView"/>, or 404.</summary>
    public static async Task<IResult> AddSightingAsync(long id, SightingInput input, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var view = await db.WriteAsync(async (c, tx) =>
        {
            var sighting = await IndicatorSightings.AddAsync(c, tx, caller.OrgId, id, input.Type, input.Source ?? caller.Actor, now.ToUnixTimeMilliseconds(), input.Note);
            if (sighting is null)
                return null;
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "indicator.sighting", "indicator", Id(id), null,
                new { type = input.Type, note = input.Note, source = input.Source }));
            return await IndicatorReads.GetViewAsync(c, caller.OrgId, id, now, tx);
        }, ct);
        return view is null ? Problems.NotFound("indicator", id) : TypedResults.Created($"/api/v1/indicators/{id}", view);
    }
}
