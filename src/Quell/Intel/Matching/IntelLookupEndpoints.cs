using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Http;
using Quell.Identity;
using Quell.Intel.Indicators;
using Quell.Intel.Warninglists;
using Quell.Storage;

namespace Quell.Intel.Matching;

/// <summary><c>POST /api/v1/intel/lookup</c>: many raw values against the organisation's indicators and the warninglists.</summary>
public static class IntelLookupEndpoints
{
    public const int MaxValues = 10_000;

    public static IEndpointRouteBuilder MapIntelLookupEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/intel/lookup", Lookup).WithTags("Intel").RequirePermission(Permission.IntelRead)
            .WithSummary("Look values up: {values: [...]} → every matching indicator (sources, score) and the warninglists each value is on");
        return app;
    }

    public sealed record LookupMatch(long Id, string Type, string Value, IReadOnlyList<string> Sources, double Score, bool Expired, bool Suppressed, IReadOnlyList<string> Warninglists);

    public sealed record LookupResult(string Value, IReadOnlyList<LookupMatch> Matches, IReadOnlyList<string> Warninglists);

    static async Task<IResult> Lookup(HttpRequest request, Caller caller, IntelIndex index, WarninglistSet warninglists, Db db, TimeProvider time, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, 16 << 20, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var root = doc!.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("values", out var array) || array.ValueKind != JsonValueKind.Array)
            return Problems.Invalid("values", "the body is {\"values\": [\"evil.example\", \"198.51.100.7\", ...]}");
        if (array.GetArrayLength() > MaxValues)
            return Problems.Invalid("values", $"at most {MaxValues} values are looked up per request; {array.GetArrayLength()} were sent");
        var errors = new InputErrors();
        var values = new List<string>();
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 and <= IndicatorNormalizer.MaxLength } v)
                errors.Add($"values[{i}]", $"values[{i}] must be a non-empty string of at most {IndicatorNormalizer.MaxLength} characters");
            else
                values.Add(v);
            i++;
        }
        if (errors.Any)
            return Problems.Invalid(errors);

        return TypedResults.Ok(new { results = await LookupAsync(caller.OrgId, values, index, warninglists, db, time, ct) });
    }

    /// <summary>
    /// Looks raw values up in the organisation's indicators (what was stored up to now, not only what the background
    /// catch-up has seen) and the warninglists. The API and the Intel analyzer of enrichment use it.
    /// </summary>
    public static async Task<IReadOnlyList<LookupResult>> LookupAsync(long orgId, IReadOnlyList<string> values, IntelIndex index, WarninglistSet warninglists,
        Db db, TimeProvider time, CancellationToken ct)
    {
        // What was stored up to this request is matched, not only what the background catch-up has seen.
        await index.CatchUpAsync(reread: false, ct);
        var candidates = values.Select(v => index.Match(orgId, v)).ToList();
        var ids = candidates.SelectMany(c => c).Distinct().ToArray();
        var views = new Dictionary<long, IndicatorView>();
        if (ids.Length > 0)
        {
            var now = time.GetUtcNow();
            var found = await db.ReadAsync(async c =>
            {
                var rows = (await c.QueryAsync<IndicatorRow>(
                    $"SELECT {IndicatorRow.Columns} FROM indicators i WHERE i.org_id = @org AND {Db.In(c, "i.id", "@ids")}", new { org = orgId, ids })).AsList();
                return await IndicatorReads.ViewsAsync(c, rows, now);
            }, ct);
            foreach (var v in found)
                views[v.Id] = v;
        }
        var stored = new StoredMatch();
        return values.Select((value, n) => new LookupResult(
            value,
            candidates[n].Where(id => views.TryGetValue(id, out var v) && stored.Confirms(id, v.Type, v.Value, value)).Select(id => views[id])
                .Select(v => new LookupMatch(v.Id, v.Type, v.Value, v.Sources, v.Score, v.Expired, v.Suppressed, v.Warninglists)).ToList(),
            WarninglistsOf(warninglists, value))).ToList();
    }

    /// <summary>The lists a raw value is on, typed by <see cref="TypeDetector"/>; a value of no known type is on none.</summary>
    static IReadOnlyList<string> WarninglistsOf(WarninglistSet set, string value) =>
        TypeDetector.Detect(value) is { } detected && IndicatorNormalizer.Normalize(detected.Type, detected.Value, out _) is { } normalized
            ? set.Hits(detected.Type, normalized)
            : [];
}
