using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Quell.Identity;

namespace Quell.Events.Receivers;

/// <summary>
/// Enough of the Elasticsearch API under <c>/es</c> for Filebeat, Winlogbeat, Fluent Bit and Vector to ship to Quell
/// unchanged: the version handshake (<c>GET /es</c>, with <c>X-Elastic-Product</c>), the license check, <c>_bulk</c>
/// with per-item results as Elasticsearch gives them, and acknowledgements for the template, ILM and pipeline set-up
/// calls Beats make at start (Quell has no mappings to set up). Shippers authenticate with an ingest token as API key,
/// Basic password or Bearer token. A bulk request is answered only after its events are durably stored.
/// </summary>
public static class ElasticEndpoints
{
    /// <summary>Where shippers point: <c>hosts: ["http://quell:8080"]</c> with <c>path: /es</c> (Beats) or the URL with the path.</summary>
    public const string Prefix = "/es";

    public static IEndpointRouteBuilder MapElasticEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup(Prefix).WithTags("Events").Public().WithMetadata(new IngestTokenEndpoint());
        g.MapMethods("", ["GET", "HEAD"], Info).WithSummary("Elasticsearch compatibility: cluster information and version");
        g.MapGet("/_license", License).WithSummary("Elasticsearch compatibility: an active basic license (Beats check it)");
        g.MapMethods("/_bulk", ["POST", "PUT"], (HttpContext ctx, IngestTokens tokens, IEventSink sink, IOptions<EventOptions> options, CancellationToken ct) => Bulk(ctx, null, tokens, sink, options.Value, ct))
            .WithSummary("Elasticsearch compatibility: bulk indexing (NDJSON); index and create append events");
        g.MapMethods("/{index}/_bulk", ["POST", "PUT"], (HttpContext ctx, string index, IngestTokens tokens, IEventSink sink, IOptions<EventOptions> options, CancellationToken ct) => Bulk(ctx, index, tokens, sink, options.Value, ct))
            .WithSummary("Elasticsearch compatibility: bulk indexing into a default index");
        foreach (var setup in (string[])["_index_template", "_component_template", "_template", "_ilm/policy", "_ingest/pipeline"])
            g.MapMethods($"/{setup}/{{name}}", ["GET", "HEAD", "PUT", "POST"], SetUp).ExcludeFromDescription();
        return app;
    }

    static async Task<IngestTokenOwner?> AuthenticateAsync(HttpContext ctx, IngestTokens tokens, CancellationToken ct)
    {
        var token = ReceiverBody.Token(ctx.Request);
        var (owner, revoked) = token is null ? (null, false) : await tokens.AuthenticateAsync(token, ct);
        if (owner is not null)
            return owner;
        ctx.Response.Headers.WWWAuthenticate = "ApiKey, Basic realm=\"quell\" charset=\"UTF-8\"";
        var reason = token is null
            ? $"missing authentication credentials for REST request [{ctx.Request.Path}]: send an ingest token as api_key, password or Bearer token"
            : revoked ? "the ingest token has been revoked" : "unable to authenticate with the provided ingest token";
        await ErrorAsync(ctx, 401, "security_exception", reason);
        return null;
    }

    static async Task Info(HttpContext ctx, IngestTokens tokens, IOptions<ElasticOptions> options, CancellationToken ct)
    {
        if (await AuthenticateAsync(ctx, tokens, ct) is null)
            return;
        await JsonAsync(ctx, 200, w =>
        {
            w.WriteString("name", "quell");
            w.WriteString("cluster_name", "quell");
            w.WriteString("cluster_uuid", "quell-event-store");
            w.WriteStartObject("version");
            w.WriteString("number", options.Value.Version);
            w.WriteString("build_flavor", "default");
            w.WriteString("build_type", "quell");
            w.WriteString("build_hash", "quell");
            w.WriteString("build_date", "2026-11-28T00:00:00.000Z");
            w.WriteBoolean("build_snapshot", false);
            w.WriteString("lucene_version", "9.12.0");
            w.WriteString("minimum_wire_compatibility_version", "7.17.0");
            w.WriteString("minimum_index_compatibility_version", "7.0.0");
            w.WriteEndObject();
            w.WriteString("tagline", "You Know, for Search");
        });
    }

    static async Task License(HttpContext ctx, IngestTokens tokens, CancellationToken ct)
    {
        if (await AuthenticateAsync(ctx, tokens, ct) is null)
            return;
        await JsonAsync(ctx, 200, w =>
        {
            w.WriteStartObject("license");
            w.WriteString("status", "active");
            w.WriteString("uid", "00000000-0000-0000-0000-000000000000");
            w.WriteString("type", "basic");
            w.WriteString("issue_date", "2026-01-01T00:00:00.000Z");
            w.WriteNumber("issue_date_in_millis", 1767225600000);
            w.WriteNumber("max_nodes", 1000);
            w.WriteString("issued_to", "quell");
            w.WriteString("issuer", "quell");
            w.WriteNumber("start_date_in_millis", -1);
            w.WriteEndObject();
        });
    }

    /// <summary>Template, ILM and pipeline set-up: reported as present and accepted, since events need no mapping here.</summary>
    static async Task SetUp(HttpContext ctx, string name, IngestTokens tokens, CancellationToken ct)
    {
        if (await AuthenticateAsync(ctx, tokens, ct) is null)
            return;
        if (HttpMethods.IsGet(ctx.Request.Method) || HttpMethods.IsHead(ctx.Request.Method))
            await JsonAsync(ctx, 200, w =>
            {
                w.WriteStartObject(name);
                w.WriteEndObject();
            });
        else
            await JsonAsync(ctx, 200, w => w.WriteBoolean("acknowledged", true));
    }

    static async Task Bulk(HttpContext ctx, string? index, IngestTokens tokens, IEventSink sink, EventOptions options, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        if (await AuthenticateAsync(ctx, tokens, ct) is not { } owner)
            return;
        var (body, status, bodyError) = await ReceiverBody.ReadAsync(ctx.Request, options.MaxBodyBytes, ct);
        if (body is null)
        {
            await ErrorAsync(ctx, status, status == 413 ? "content_too_long_exception" : "illegal_argument_exception", bodyError!);
            return;
        }
        List<BulkItem> items;
        using (body)
        {
            var (parsed, error) = ElasticBulk.Parse(body.GetBuffer().AsSpan(0, (int)body.Length), index, options.MaxEventsPerRequest);
            if (error is not null)
            {
                await ErrorAsync(ctx, 400, "illegal_argument_exception", error);
                return;
            }
            if (parsed!.Count == 0)
            {
                await ErrorAsync(ctx, 400, "action_request_validation_exception", "Validation Failed: 1: no requests added;");
                return;
            }
            items = parsed;
        }
        var events = items.Where(i => i.Event is not null).Select(i => i.Event!).ToList();
        await sink.AppendAsync(new EventOrigin(owner.OrgId, owner.Source), events, ct);
        var took = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var seq = 0L;
        await JsonAsync(ctx, 200, w =>
        {
            w.WriteNumber("took", took);
            w.WriteBoolean("errors", items.Any(i => i.Event is null));
            w.WriteStartArray("items");
            foreach (var item in items)
            {
                w.WriteStartObject();
                w.WriteStartObject(item.Action);
                w.WriteString("_index", item.Index);
                if (item.Event is null)
                {
                    if (item.Id is null)
                        w.WriteNull("_id");
                    else
                        w.WriteString("_id", item.Id);
                    w.WriteNumber("status", item.Status);
                    w.WriteStartObject("error");
                    w.WriteString("type", item.ErrorType);
                    w.WriteString("reason", item.Reason);
                    w.WriteEndObject();
                }
                else
                {
                    w.WriteString("_id", item.Id ?? NewId());
                    w.WriteNumber("_version", 1);
                    w.WriteString("result", "created");
                    w.WriteStartObject("_shards");
                    w.WriteNumber("total", 1);
                    w.WriteNumber("successful", 1);
                    w.WriteNumber("failed", 0);
                    w.WriteEndObject();
                    w.WriteNumber("_seq_no", seq++);
                    w.WriteNumber("_primary_term", 1);
                    w.WriteNumber("status", 201);
                }
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    /// <summary>An id in Elasticsearch's style (20 characters of URL-safe base64) for actions that name none.</summary>
    static string NewId() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', '-').Replace('/', '_');

    /// <summary>Elasticsearch's error shape: error.root_cause, error.type, error.reason, status.</summary>
    static Task ErrorAsync(HttpContext ctx, int status, string type, string reason) => JsonAsync(ctx, status, w =>
    {
        w.WriteStartObject("error");
        w.WriteStartArray("root_cause");
        w.WriteStartObject();
        w.WriteString("type", type);
        w.WriteString("reason", reason);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("type", type);
        w.WriteString("reason", reason);
        w.WriteEndObject();
        w.WriteNumber("status", status);
    });

    static async Task JsonAsync(HttpContext ctx, int status, Action<Utf8JsonWriter> body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.Headers["X-Elastic-Product"] = "Elasticsearch";
        ctx.Response.ContentType = "application/json; charset=UTF-8";
        if (HttpMethods.IsHead(ctx.Request.Method))
            return;
        await using var w = new Utf8JsonWriter(ctx.Response.Body);
        w.WriteStartObject();
        body(w);
        w.WriteEndObject();
    }
}
