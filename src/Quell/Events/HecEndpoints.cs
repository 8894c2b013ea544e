using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quell.Http;
using Quell.Identity;

namespace Quell.Events;

/// <summary>Endpoint metadata: authenticated by an ingest token (Splunk HEC), not by an API key or session; errors are HEC replies.</summary>
public sealed record IngestTokenEndpoint;

/// <summary>The Splunk HTTP Event Collector receiver. It answers only after the batch is durably stored.</summary>
public static class HecEndpoints
{
    public static IEndpointRouteBuilder MapHecEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/services/collector").WithTags("Events").Public().WithMetadata(new IngestTokenEndpoint());
        g.MapPost("", (HttpContext ctx, IngestTokens tokens, IEventSink sink, IOptions<EventOptions> options, CancellationToken ct) => Events(ctx, tokens, sink, options.Value, ct))
            .WithSummary("Splunk HEC: JSON events (Authorization: Splunk <ingest token>)");
        g.MapPost("/event", (HttpContext ctx, IngestTokens tokens, IEventSink sink, IOptions<EventOptions> options, CancellationToken ct) => Events(ctx, tokens, sink, options.Value, ct))
            .WithSummary("Splunk HEC: JSON events, one object after another (Authorization: Splunk <ingest token>)");
        g.MapPost("/raw", Raw).WithSummary("Splunk HEC: raw text, one event per line; host, source, sourcetype in the query");
        return app;
    }

    static async Task Events(HttpContext ctx, IngestTokens tokens, IEventSink sink, EventOptions options, CancellationToken ct)
    {
        var (owner, body) = await ReadAsync(ctx, tokens, options, ct);
        if (owner is null || body is null)
            return;
        using (body)
        {
            var (events, error) = HecRequest.ParseEvents(body.Span, options.MaxEventsPerRequest);
            if (error is not null)
            {
                await WriteAsync(ctx, error);
                return;
            }
            if (!await StoreAsync(ctx, sink, owner, events!, ct))
                return;
        }
        await WriteAsync(ctx, HecReply.Success);
    }

    static async Task Raw(HttpContext ctx, IngestTokens tokens, IEventSink sink, IOptions<EventOptions> options, CancellationToken ct)
    {
        var (owner, body) = await ReadAsync(ctx, tokens, options.Value, ct);
        if (owner is null || body is null)
            return;
        using (body)
        {
            var extra = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var name in (string[])["host", "source", "sourcetype", "index"])
                if (ctx.Request.Query[name].ToString() is { Length: > 0 } v)
                    extra["hec." + name] = v;
            if (extra.TryGetValue("hec.host", out var host))
                extra["host.name"] = host;
            var (events, error) = HecRequest.ParseRaw(body.Span, extra, options.Value.MaxEventsPerRequest);
            if (error is not null)
            {
                await WriteAsync(ctx, error);
                return;
            }
            if (!await StoreAsync(ctx, sink, owner, events!, ct))
                return;
        }
        await WriteAsync(ctx, HecReply.Success);
    }

    /// <summary>The token's owner and the body, or (null, null) after answering the error.</summary>
    static async Task<(IngestTokenOwner?, PooledBody?)> ReadAsync(HttpContext ctx, IngestTokens tokens, EventOptions options, CancellationToken ct)
    {
        string? header = ctx.Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            await WriteAsync(ctx, HecReply.TokenRequired);
            return (null, null);
        }
        if (!header.StartsWith("Splunk ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            await WriteAsync(ctx, HecReply.InvalidAuthorization);
            return (null, null);
        }
        var (owner, revoked) = await tokens.AuthenticateAsync(header[7..].Trim(), ct);
        if (owner is null)
        {
            await WriteAsync(ctx, revoked ? HecReply.TokenDisabled : HecReply.InvalidToken);
            return (null, null);
        }
        var body = await PooledBody.ReadAsync(ctx.Request, options.MaxBodyBytes, ct);
        if (body is null)
        {
            await WriteAsync(ctx, new HecReply(413, 6, $"Invalid data format: the request body is larger than {options.MaxBodyBytes} bytes; send fewer events per request"));
            return (null, null);
        }
        if (body.Length == 0)
        {
            body.Dispose();
            await WriteAsync(ctx, HecReply.NoData);
            return (null, null);
        }
        return (owner, body);
    }

    /// <summary>
    /// Stores a batch; when the store fails, answers Splunk's "Internal server error" (500, code 8), which HEC clients
    /// retry, instead of a problem document they cannot read.
    /// </summary>
    static async Task<bool> StoreAsync(HttpContext ctx, IEventSink sink, IngestTokenOwner owner, List<IncomingEvent> events, CancellationToken ct)
    {
        try
        {
            await sink.AppendAsync(new EventOrigin(owner.OrgId, owner.Source), events, ct);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            ctx.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Quell.Events.Hec")
                .LogError(e, "HEC batch of {Count} events for source {Source} was not stored", events.Count, owner.Source);
            await WriteAsync(ctx, new HecReply(500, 8, "Internal server error"));
            return false;
        }
    }

    static async Task WriteAsync(HttpContext ctx, HecReply reply)
    {
        ctx.Response.StatusCode = reply.Status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        await using var w = new Utf8JsonWriter(ctx.Response.Body);
        w.WriteStartObject();
        w.WriteString("text", reply.Text);
        w.WriteNumber("code", reply.Code);
        if (reply.InvalidEventNumber is { } n)
            w.WriteNumber("invalid-event-number", n);
        w.WriteEndObject();
    }
}
