using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Quell.Audit;
using Quell.Http;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Events;

public static class EventEndpoints
{
    public const int MaxLimit = 1000;
    public const int MaxSourceLength = 100;

    public static IEndpointRouteBuilder MapEventEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/events").WithTags("Events");
        g.MapGet("", Search).RequirePermission(Permission.EventRead)
            .WithSummary("Search events newest first: q (field:value, \"phrase\", word; all must hold), from, to, limit, cursor; streamed");
        g.MapPost("", Ingest).RequirePermission(Permission.EventWrite)
            .WithSummary("Store events: a body of JSON objects one after another (NDJSON or concatenated); ?source=name; all or nothing");
        var t = app.MapGroup("/api/v1/ingest-tokens").WithTags("Events");
        t.MapPost("", CreateToken).RequirePermission(Permission.IngestManage)
            .WithSummary("Create an ingest (HEC) token: {name, source, retentionDays?}; the token is shown once");
        t.MapGet("", ListTokens).RequirePermission(Permission.IngestManage).WithSummary("The organisation's ingest tokens (without secrets)");
        t.MapDelete("/{id:long}", RevokeToken).RequirePermission(Permission.IngestManage).WithSummary("Revoke an ingest token");
        return app;
    }

    static async Task<IResult> Search(HttpContext ctx, Caller caller, EventSearch search, CancellationToken ct)
    {
        var errors = new InputErrors();
        var query = new QueryParams(ctx.Request.Query, errors);
        var q = query.String("q", EventQuery.MaxLength);
        var terms = EventQuery.Parse(q, out var qError);
        if (qError is not null)
            errors.Add("q", qError);
        var from = query.Time("from");
        var to = query.Time("to");
        var limit = query.Int("limit", 1, MaxLimit, 100);
        (long, long)? after = null;
        if (query.String("cursor") is { } cursor)
        {
            if (Cursor.TryDecode(cursor, 2, out var keys))
                after = (keys[0], keys[1]);
            else
                errors.Add("cursor", "cursor is not one this endpoint returned; start again without it");
        }
        if (from is not null && to is not null && from > to)
            errors.Add("from", "from must not be after to");
        if (errors.Any)
            return Problems.Invalid(errors);
        return new SearchResult(search, new EventSearchRequest(caller.OrgId, terms!, from, to, limit, after));
    }

    /// <summary>Writes items as they are read from the store; the cursor comes last, when the page is full.</summary>
    sealed class SearchResult(EventSearch search, EventSearchRequest request) : IResult
    {
        public async Task ExecuteAsync(HttpContext ctx)
        {
            ctx.Response.ContentType = "application/json; charset=utf-8";
            await using var w = new Utf8JsonWriter(ctx.Response.Body);
            w.WriteStartObject();
            w.WriteStartArray("items");
            var count = 0;
            StoredEvent? last = null;
            await foreach (var e in search.SearchAsync(request, ctx.RequestAborted))
            {
                w.WriteStartObject();
                w.WriteNumber("id", e.Id);
                w.WriteString("time", DateTimeOffset.FromUnixTimeMilliseconds(e.EventTime).ToString("O", CultureInfo.InvariantCulture));
                w.WriteString("receivedAt", DateTimeOffset.FromUnixTimeMilliseconds(e.ReceivedAt).ToString("O", CultureInfo.InvariantCulture));
                w.WriteString("source", e.Source);
                w.WriteString("raw", e.Raw);
                w.WritePropertyName("fields");
                w.WriteRawValue(e.Fields, skipInputValidation: true);
                w.WriteEndObject();
                last = e;
                if (++count % 100 == 0)
                    await w.FlushAsync(ctx.RequestAborted);
            }
            w.WriteEndArray();
            if (count == request.Limit && last is not null)
                w.WriteString("next", Cursor.Encode(last.EventTime, last.Id));
            else
                w.WriteNull("next");
            w.WriteEndObject();
        }
    }

    static async Task<IResult> Ingest(HttpRequest request, Caller caller, IEventSink sink, IOptions<EventOptions> options, CancellationToken ct)
    {
        var source = request.Query["source"].ToString();
        if (source.Length == 0)
            source = "api";
        if (source.Length > MaxSourceLength)
            return Problems.Invalid("source", $"source must be at most {MaxSourceLength} characters");
        using var body = await JsonBody.ReadBoundedAsync(request, options.Value.MaxBodyBytes, ct);
        if (body is null)
            return JsonBody.TooLarge(options.Value.MaxBodyBytes);
        var events = new List<IncomingEvent>();
        var errors = new InputErrors();
        JsonStream.ForEach(body.GetBuffer().AsSpan(0, (int)body.Length), (in JsonRecord r) =>
        {
            if (r.Document is null)
                errors.Add($"line {r.Line}", $"event {r.Number} is not valid JSON: {r.Error}");
            else if (r.Document.RootElement.ValueKind != JsonValueKind.Object)
                errors.Add($"line {r.Line}", $"event {r.Number} must be a JSON object");
            else if (events.Count >= options.Value.MaxEventsPerRequest)
                errors.Add("body", $"a request holds at most {options.Value.MaxEventsPerRequest} events");
            else
                events.Add(EventNormalizer.Normalize(r.Document.RootElement, System.Text.Encoding.UTF8.GetString(r.Bytes).TrimEnd()));
            return errors.Count < 20;
        });
        if (errors.Any)
            return Problems.Invalid(errors);
        if (events.Count == 0)
            return Problems.BadRequest("the request body holds no events; send JSON objects, one after another");
        await sink.AppendAsync(new EventOrigin(caller.OrgId, source), events, ct);
        return TypedResults.Ok(new { accepted = events.Count });
    }

    static async Task<IResult> CreateToken(HttpRequest request, Caller caller, Db db, IngestTokens tokens, EventStore store, AuditLog audit, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, JsonBody.DefaultMaxBytes, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var root = doc!.RootElement;
        var errors = new InputErrors();
        if (root.ValueKind != JsonValueKind.Object)
            return Problems.Invalid("body", "body must be a JSON object {name, source, retentionDays?}");
        var name = Text(root, "name", errors, 200);
        var source = Text(root, "source", errors, MaxSourceLength);
        int? retention = null;
        if (root.TryGetProperty("retentionDays", out var r) && r.ValueKind != JsonValueKind.Null)
        {
            if (r.ValueKind == JsonValueKind.Number && r.TryGetInt32(out var days) && days is >= EventPartitions.MinRetentionDays and <= EventPartitions.MaxRetentionDays)
                retention = days;
            else
                errors.Add("retentionDays", $"retentionDays must be an integer from {EventPartitions.MinRetentionDays} to {EventPartitions.MaxRetentionDays}");
        }
        if (errors.Any)
            return Problems.Invalid(errors);
        var secret = IngestTokens.NewSecret();
        var id = await db.WriteAsync(async (c, tx) =>
        {
            var id = await tokens.CreateAsync(c, tx, caller.OrgId, name!, source!, secret, caller.Actor);
            if (retention is { } days)
                await store.SetRetentionAsync(c, tx, caller.OrgId, source!, days);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "create", "ingest_token", id.ToString(CultureInfo.InvariantCulture),
                null, new { name, source, retentionDays = retention }));
            return id;
        }, ct);
        return TypedResults.Created($"/api/v1/ingest-tokens/{id}", new { id, name, source, retentionDays = retention, token = secret });
    }

    static string? Text(JsonElement root, string name, InputErrors errors, int max)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString()))
        {
            errors.Add(name, $"{name} is required (a non-empty string)");
            return null;
        }
        var s = v.GetString()!.Trim();
        if (s.Length > max || s.Any(char.IsControl))
        {
            errors.Add(name, $"{name} must be at most {max} characters without control characters");
            return null;
        }
        return s;
    }

    static async Task<IResult> ListTokens(Caller caller, Db db, CancellationToken ct) =>
        TypedResults.Ok(new { items = await db.ReadAsync(c => IngestTokens.ListAsync(c, caller.OrgId), ct) });

    static async Task<IResult> RevokeToken(long id, Caller caller, Db db, IngestTokens tokens, AuditLog audit, CancellationToken ct)
    {
        var found = await db.WriteAsync(async (c, tx) =>
        {
            var before = await IngestTokens.GetAsync(c, caller.OrgId, id, tx);
            if (before is null)
                return false;
            if (await tokens.RevokeAsync(c, tx, caller.OrgId, id))
                await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "revoke", "ingest_token", id.ToString(CultureInfo.InvariantCulture), before, null));
            return true;
        }, ct);
        return found ? TypedResults.NoContent() : Problems.NotFound("ingest token", id);
    }
}
