using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Quell.Identity;

namespace Quell.Events.Receivers;

/// <summary>
/// OTLP/HTTP logs (<c>POST /v1/logs</c>) in the JSON encoding, authenticated by an ingest token (Bearer, as the
/// collector's <c>headers: {Authorization: "Bearer …"}</c>). Answers after the events are stored: <c>{}</c>, or a
/// partial success naming the rejected records; errors are google.rpc.Status objects as the protocol specifies.
/// </summary>
public static class OtlpEndpoints
{
    public static IEndpointRouteBuilder MapOtlpEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/logs", Logs).WithTags("Events").Public().WithMetadata(new IngestTokenEndpoint())
            .WithSummary("OTLP/HTTP logs, JSON encoding (Authorization: Bearer <ingest token>)");
        return app;
    }

    // google.rpc.Code values.
    const int InvalidArgument = 3, Unauthenticated = 16, ResourceExhausted = 8, Unimplemented = 12;

    static async Task Logs(HttpContext ctx, IngestTokens tokens, IEventSink sink, IOptions<EventOptions> options, CancellationToken ct)
    {
        var token = ReceiverBody.Token(ctx.Request);
        var (owner, revoked) = token is null ? (null, false) : await tokens.AuthenticateAsync(token, ct);
        if (owner is null)
        {
            await StatusAsync(ctx, 401, Unauthenticated, token is null ? "send an ingest token: Authorization: Bearer <token>"
                : revoked ? "the ingest token has been revoked" : "the ingest token is not valid");
            return;
        }
        var mediaType = ctx.Request.ContentType?.Split(';')[0].Trim() ?? "";
        if (!mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await StatusAsync(ctx, 415, Unimplemented, $"Content-Type '{mediaType}' is not supported: Quell takes OTLP/HTTP in the JSON encoding " +
                "(application/json; the collector's otlphttp exporter: encoding: json)");
            return;
        }
        var (body, status, bodyError) = await ReceiverBody.ReadAsync(ctx.Request, options.Value.MaxBodyBytes, ct);
        if (body is null)
        {
            await StatusAsync(ctx, status, status == 413 ? ResourceExhausted : InvalidArgument, bodyError!);
            return;
        }
        List<IncomingEvent> events;
        List<string> rejected;
        using (body)
        {
            var (parsed, refused, error) = OtlpLogs.Parse(body.GetBuffer().AsSpan(0, (int)body.Length), options.Value.MaxEventsPerRequest);
            if (error is not null)
            {
                await StatusAsync(ctx, 400, InvalidArgument, error);
                return;
            }
            (events, rejected) = (parsed!, refused);
        }
        await sink.AppendAsync(new EventOrigin(owner.OrgId, owner.Source), events, ct);
        await JsonAsync(ctx, 200, w =>
        {
            if (rejected.Count == 0)
                return;
            w.WriteStartObject("partialSuccess");
            // int64 is a string in the protobuf JSON mapping.
            w.WriteString("rejectedLogRecords", rejected.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("errorMessage", string.Join("; ", rejected.Distinct().Take(5)));
            w.WriteEndObject();
        });
    }

    static Task StatusAsync(HttpContext ctx, int httpStatus, int code, string message) => JsonAsync(ctx, httpStatus, w =>
    {
        w.WriteNumber("code", code);
        w.WriteString("message", message);
    });

    static async Task JsonAsync(HttpContext ctx, int status, Action<Utf8JsonWriter> body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await using var w = new Utf8JsonWriter(ctx.Response.Body);
        w.WriteStartObject();
        body(w);
        w.WriteEndObject();
    }
}
