using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Quell.Http;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Events.Assets;

/// <summary><c>GET /api/v1/assets</c>: hosts and sources seen in events; <c>PUT /api/v1/assets/{kind}/{name}</c>: their expected interval.</summary>
public static class AssetEndpoints
{
    public static IEndpointRouteBuilder MapAssetEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/assets").WithTags("Events");
        g.MapGet("", List).RequirePermission(Permission.EventRead)
            .WithSummary("Hosts and sources seen in events: first and last seen, event count, expected interval, silent or not (kind=host|source)");
        g.MapPut("/{kind}/{name}", SetInterval).RequirePermission(Permission.IngestManage)
            .WithSummary("Set how long a host or source may be silent before an alert: {expectedIntervalSeconds} (null: the default)");
        return app;
    }

    static async Task<IResult> List(HttpRequest request, Caller caller, Db db, TimeProvider time, IOptions<SilenceOptions> options, CancellationToken ct)
    {
        var errors = new InputErrors();
        var query = new QueryParams(request.Query, errors);
        var kind = query.String("kind");
        if (kind is not null and not (AssetInventory.Host or AssetInventory.Source))
            errors.Add("kind", "kind must be host or source");
        var limit = query.Int("limit", 1, 10_000, 1000);
        if (errors.Any)
            return Problems.Invalid(errors);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var fallback = (long)options.Value.DefaultInterval.TotalMilliseconds;
        var rows = await db.ReadAsync(c => AssetInventory.ListAsync(c, caller.OrgId, kind, limit), ct);
        return TypedResults.Ok(new
        {
            items = rows.Select(r => new
            {
                kind = r.Kind,
                name = r.Name,
                firstSeen = Time(r.FirstSeen),
                lastSeen = Time(r.LastSeen),
                events = r.Events,
                expectedIntervalSeconds = (r.ExpectedIntervalMs ?? fallback) / 1000,
                silent = now - r.LastSeen > (r.ExpectedIntervalMs ?? fallback),
            }),
        });
    }

    static string Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("O", CultureInfo.InvariantCulture);

    static async Task<IResult> SetInterval(string kind, string name, HttpRequest request, Caller caller, Db db, CancellationToken ct)
    {
        if (kind is not (AssetInventory.Host or AssetInventory.Source))
            return Problems.Invalid("kind", "kind must be host or source");
        var (doc, error) = await JsonBody.ReadAsync(request, 4096, ct);
        if (error is not null)
            return error;
        using (doc)
        {
            long? ms = null;
            if (!doc!.RootElement.TryGetProperty("expectedIntervalSeconds", out var v))
                return Problems.Invalid("expectedIntervalSeconds", "expectedIntervalSeconds is required (seconds, or null for the default)");
            if (v.ValueKind != System.Text.Json.JsonValueKind.Null)
            {
                if (!v.TryGetInt64(out var seconds) || seconds is < 60 or > 366L * 24 * 3600)
                    return Problems.Invalid("expectedIntervalSeconds", "expectedIntervalSeconds must be a whole number of seconds from 60 to 31622400, or null");
                ms = seconds * 1000;
            }
            var key = kind == AssetInventory.Host ? name.ToLowerInvariant() : name;
            var updated = await db.WriteAsync((c, tx) => Dapper.SqlMapper.ExecuteAsync(c,
                "UPDATE event_assets SET expected_interval_ms = @ms WHERE org_id = @org AND kind = @kind AND name = @key", new { ms, org = caller.OrgId, kind, key }, tx), ct);
            return updated == 0 ? Problems.NotFound(kind, key) : TypedResults.NoContent();
        }
    }
}
