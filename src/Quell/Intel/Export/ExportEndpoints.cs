using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Http;
using Quell.Identity;
using Quell.Intel.Stix;
using Quell.Storage;

namespace Quell.Intel.Export;

/// <summary>
/// <c>GET /api/v1/intel/export?format=stix2|misp|csv|text</c>: the organisation's indicators by filter (<see cref="ExportFilter"/>),
/// streamed page by page. <c>format=text</c> takes <c>kind</c>: a blocklist (ip, domain, url, hash; all four when
/// absent) or <c>rpz</c>, a DNS response policy zone (with <c>includeIps=true</c>, addresses as rpz-ip triggers).
/// </summary>
public static class ExportEndpoints
{
    public static readonly string[] Formats = ["stix2", "misp", "csv", "text"];
    public static readonly string[] Kinds = ["ip", "domain", "url", "hash", "rpz"];
    static readonly string[] Parameters = ["format", "type", "tag", "source", "minScore", "since", "includeInactive", "kind", "includeIps"];

    public const string StixMediaType = "application/stix+json;version=2.1";

    public static IEndpointRouteBuilder MapIntelExportEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/intel/export", Export).RequirePermission(Permission.IntelRead).WithTags("Intel")
            .WithSummary("Export indicators: format=stix2|misp|csv|text; filters type (repeatable), tag, source, minScore, since, includeInactive; text: kind=ip|domain|url|hash|rpz, includeIps");
        return app;
    }

    static async Task<IResult> Export(HttpContext http, Caller caller, Db db, TimeProvider time, CancellationToken ct)
    {
        var query = http.Request.Query;
        var errors = new InputErrors();
        foreach (var name in query.Keys.Where(k => !Parameters.Contains(k, StringComparer.OrdinalIgnoreCase)))
            errors.Add(name, $"'{IndicatorNormalizer.Printable(name)}' is not an export parameter; they are {string.Join(", ", Parameters)}");
        var q = new QueryParams(query, errors);
        var format = q.String("format") is null ? null : q.OneOf("format", Formats, "");
        if (format is null)
            errors.Add("format", $"format is required: {string.Join(", ", Formats)}");
        var kind = q.String("kind") is null ? null : q.OneOf("kind", Kinds, "");
        if (kind is not null && format is not null and not "text")
            errors.Add("kind", "kind applies to format=text only");
        var includeIps = q.Bool("includeIps");
        if (includeIps is not null && kind != "rpz")
            errors.Add("includeIps", "includeIps applies to format=text&kind=rpz only");
        var filter = ExportFilter.Parse(query, q);
        if (errors.Any)
            return Problems.Invalid(errors);

        var now = time.GetUtcNow();
        var pages = filter.PagesAsync(db, caller.OrgId, now, ct);
        var response = http.Response;
        var stamp = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        switch (format)
        {
            case "stix2":
                Start(response, StixMediaType, $"quell-indicators-{stamp}.stix.json");
                await StixAsync(response, pages, now, ct);
                break;
            case "misp":
                Start(response, "application/json", $"quell-indicators-{stamp}.misp.json");
                await MispAsync(response, pages, caller.OrgId, now, ct);
                break;
            case "csv":
                Start(response, "text/csv; charset=utf-8", $"quell-indicators-{stamp}.csv");
                await CsvAsync(response, pages, ct);
                break;
            default:
                Start(response, "text/plain; charset=utf-8", kind == "rpz" ? $"quell-rpz-{stamp}.zone" : $"quell-{kind ?? "blocklist"}-{stamp}.txt");
                await TextAsync(response, pages, kind, includeIps == true, now, ct);
                break;
        }
        return Results.Empty;
    }

    static void Start(HttpResponse response, string mediaType, string fileName)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = mediaType;
        response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
    }

    static Task StixAsync(HttpResponse response, IAsyncEnumerable<IReadOnlyList<ExportIndicator>> pages, DateTimeOffset now, CancellationToken ct) =>
        JsonAsync(response, pages, w =>
        {
            var bundle = new StixBundleStream(w, now);
            bundle.Start(Guid.NewGuid());
            return (i => bundle.Add(i), bundle.End);
        }, ct);

    static Task MispAsync(HttpResponse response, IAsyncEnumerable<IReadOnlyList<ExportIndicator>> pages, long orgId, DateTimeOffset now, CancellationToken ct) =>
        JsonAsync(response, pages, w =>
        {
            var misp = new MispEventStream(w, now);
            misp.Start(new ExportEvent
            {
                Uuid = StableUuid.For($"export|{orgId.ToString(CultureInfo.InvariantCulture)}|{now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}"),
                Info = $"Quell indicator export {now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}",
                Date = DateOnly.FromDateTime(now.UtcDateTime),
                Indicators = [],
            });
            return (misp.Add, misp.End);
        }, ct);

    /// <summary>Streams a JSON document: <paramref name="start"/> opens it and says how to add an indicator and how to close it; each page is flushed to the client.</summary>
    static async Task JsonAsync(HttpResponse response, IAsyncEnumerable<IReadOnlyList<ExportIndicator>> pages,
        Func<Utf8JsonWriter, (Action<ExportIndicator> Add, Action End)> start, CancellationToken ct)
    {
        await using var w = new Utf8JsonWriter(response.BodyWriter, Taxii.TaxiiMedia.Writer);
        var (add, end) = start(w);
        await foreach (var page in pages)
        {
            foreach (var i in page)
                add(i);
            await FlushAsync(w, response, ct);
        }
        end();
        await FlushAsync(w, response, ct);
    }

    static async Task FlushAsync(Utf8JsonWriter w, HttpResponse response, CancellationToken ct)
    {
        await w.FlushAsync(ct);
        await response.BodyWriter.FlushAsync(ct);
    }

    static async Task CsvAsync(HttpResponse response, IAsyncEnumerable<IReadOnlyList<ExportIndicator>> pages, CancellationToken ct)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(CsvExportWriter.Header + "\n"), ct);
        var text = new StringBuilder();
        await foreach (var page in pages)
        {
            text.Clear();
            foreach (var i in page)
                text.Append(CsvExportWriter.Line(i)).Append('\n');
            await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), ct);
        }
    }

    /// <summary>Blocklists are sorted and unique, so their values are gathered first: strings only, not indicators.</summary>
    static async Task TextAsync(HttpResponse response, IAsyncEnumerable<IReadOnlyList<ExportIndicator>> pages, string? kind, bool includeIps, DateTimeOffset now, CancellationToken ct)
    {
        var rpz = kind == "rpz";
        BlocklistKind[] kinds = rpz ? [BlocklistKind.Domain, BlocklistKind.Ip]
            : kind is null ? Enum.GetValues<BlocklistKind>()
            : [Enum.Parse<BlocklistKind>(kind, ignoreCase: true)];
        var sets = kinds.ToDictionary(k => k, _ => new SortedSet<string>(StringComparer.Ordinal));
        await foreach (var page in pages)
            foreach (var i in page)
                foreach (var (k, set) in sets)
                    set.UnionWith(BlocklistWriter.ValuesOf(i, k));
        using var body = new MemoryStream();
        if (rpz)
            RpzZoneWriter.WriteZone(body, sets[BlocklistKind.Domain], includeIps ? sets[BlocklistKind.Ip] : [], now);
        else
        {
            var all = kind is null ? new SortedSet<string>(sets.Values.SelectMany(s => s), StringComparer.Ordinal) : sets[kinds[0]];
            foreach (var value in all)
            {
                body.Write(Encoding.UTF8.GetBytes(value));
                body.WriteByte((byte)'\n');
            }
        }
        body.Position = 0;
        await body.CopyToAsync(response.Body, ct);
    }
}
