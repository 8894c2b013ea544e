using System.Globalization;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Audit;
using Quell.Http;
using Quell.Identity;
using Quell.Intel.Decay;
using Quell.Intel.Feeds;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Intel.Indicators;

public static class IndicatorEndpoints
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
        return outcome.Created ? TypedResults.Created($"/api/v1/indicators/{outcome.Id}", view) : TypedResults.Ok(view);
    }

    static async Task<IResult> Search(HttpRequest request, Caller caller, Db db, TimeProvider time, CancellationToken ct)
    {
        var errors = new InputErrors();
        var query = IndicatorQuery.Parse(new QueryParams(request.Query, errors));
        if (errors.Any)
            return Problems.Invalid(errors);
        var page = await db.ReadAsync(c => query.RunAsync(c, caller.OrgId, time.GetUtcNow()), ct);
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
            return TypedResults.Ok(await IndicatorReads.GetViewAsync(c, caller.OrgId, id, now, tx));
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
        var f = JsonFields.ForObject(doc!.RootElement, errors);
        var type = f?.String("type", required: true, maxLength: 32);
        if (type is not null && !SightingTypes.All.Contains(type))
            errors.Add("type", $"type must be one of {string.Join(", ", SightingTypes.All)}");
        var note = f?.String("note", maxLength: IndicatorSightings.MaxNoteLength);
        var source = f?.String("source", maxLength: 256);
        if (errors.Any)
            return Problems.Invalid(errors);
        var now = time.GetUtcNow();
        var view = await db.WriteAsync(async (c, tx) =>
        {
            var sighting = await IndicatorSightings.AddAsync(c, tx, caller.OrgId, id, type!, source ?? caller.Actor, now.ToUnixTimeMilliseconds(), note);
            if (sighting is null)
                return null;
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "indicator.sighting", "indicator", Id(id), null, new { type, note, source }));
            return await IndicatorReads.GetViewAsync(c, caller.OrgId, id, now, tx);
        }, ct);
        return view is null ? Problems.NotFound("indicator", id) : TypedResults.Created($"/api/v1/indicators/{id}", view);
    }

    static async Task<IResult> Import(HttpRequest request, Caller caller, Db db, IndicatorStore store, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var errors = new InputErrors();
        var q = new QueryParams(request.Query, errors);
        var format = q.String("format") is null ? null : q.OneOf("format", TextImport.Formats, "csv");
        if (format is null && !errors.Any)
            errors.Add("format", "format is required: csv or freetext");
        var sourceName = q.String("source", 256) ?? "import by " + caller.Username;
        if (errors.Any)
            return Problems.Invalid(errors);
        if (request.ContentLength > MaxImportBytes)
            return Problems.Invalid("body", $"the body is larger than {MaxImportBytes >> 20} MB; split the import");
        var text = await ReadTextAsync(request.Body, MaxImportBytes, ct);
        if (text is null)
            return Problems.Invalid("body", $"the body is larger than {MaxImportBytes >> 20} MB or not UTF-8 text; split the import");
        List<FeedEntry> entries;
        try
        {
            entries = TextImport.Parse(format!, text);
        }
        catch (FeedFormatException e)
        {
            return Problems.Invalid("body", e.Message);
        }

        var itemErrors = new List<FeedItemError>();
        var rejected = 0;
        var pending = new Dictionary<(string, string), PendingIndicator>();
        foreach (var entry in entries)
        {
            if (entry.Error is { } parseError)
            {
                rejected++;
                if (itemErrors.Count < IndicatorStore.MaxErrors)
                    itemErrors.Add(parseError);
                continue;
            }
            var p = store.Prepare(entry.Indicator!, new ImportOptions(), out var reason);
            if (p is null)
            {
                rejected++;
                if (itemErrors.Count < IndicatorStore.MaxErrors)
                    itemErrors.Add(new FeedItemError(entry.Indicator!.SourceRef ?? "", reason!));
                continue;
            }
            if (pending.TryGetValue((p.Type, p.Value), out var earlier))
                earlier.Absorb(p);
            else
                pending.Add((p.Type, p.Value), p);
        }
        var source = new IndicatorSource("import", sourceName);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var items = pending.Values.ToList();
        var (added, updated) = await db.WriteAsync(async (c, tx) =>
        {
            int added = 0, updated = 0;
            var run = IndicatorStore.NewRun();
            foreach (var chunk in items.Chunk(IndicatorStore.BatchSize))
                foreach (var o in await IndicatorWrites.UpsertAsync(c, tx, caller.OrgId, source, chunk, run, now))
                {
                    if (o.Linked)
                        added++;
                    else
                        updated++;
                }
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "indicator.import", "indicator-import", sourceName, null,
                new { format, added, updated, rejected }));
            return (added, updated);
        }, ct);
        return TypedResults.Ok(new { added, updated, rejected, errors = itemErrors });
    }

    /// <summary>The body as UTF-8 text, or null past <paramref name="maxBytes"/> or when it is not UTF-8.</summary>
    static async Task<string?> ReadTextAsync(Stream body, int maxBytes, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > maxBytes)
                return null;
            buffer.Write(chunk, 0, n);
        }
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
