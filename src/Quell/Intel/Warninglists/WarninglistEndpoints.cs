using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Http;
using Quell.Identity;

namespace Quell.Intel.Warninglists;

public static class WarninglistEndpoints
{
    public const int MaxCheckValues = 1000;

    public static IEndpointRouteBuilder MapWarninglistEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/warninglists").WithTags("Intel");
        g.MapGet("", List).RequirePermission(Permission.IntelRead)
            .WithSummary("The warninglists in force (loaded MISP lists, then the built-in sanity checks) and the lists skipped at load");
        g.MapPost("/check", Check).RequirePermission(Permission.IntelRead)
            .WithSummary("Check up to 1,000 values {values:[{type?, value}]} against the warninglists; the type is detected when absent");
        return app;
    }

    public sealed record ListView(string Name, string Description, string Source, string Type, int Entries, IReadOnlyList<string> MatchingAttributes, long Version, string? Path);

    public sealed record ListsView(IReadOnlyList<ListView> Lists, IReadOnlyList<WarninglistProblem> Skipped);

    public sealed record CheckResult(string Value, string? Type, string? Normalized, IReadOnlyList<WarninglistHit> Hits, string? Error);

    static IResult List(WarninglistLoadReport report) =>
        TypedResults.Ok(new ListsView(
            report.Set.Lists.Select(l => new ListView(l.List.Name, l.List.Description, l.Source, l.List.Type.ToString().ToLowerInvariant(),
                l.Matcher.Count, l.List.MatchingAttributes, l.List.Version, l.List.Path)).ToList(),
            report.Skipped));

    static async Task<IResult> Check(HttpRequest request, WarninglistSet set, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, JsonBody.DefaultMaxBytes, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var root = doc!.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array)
            return Problems.Invalid("values", "the body is {\"values\": [{\"type\": \"ip-dst\", \"value\": \"8.8.8.8\"}, ...]}; type is optional");
        if (values.GetArrayLength() > MaxCheckValues)
            return Problems.Invalid("values", $"at most {MaxCheckValues} values are checked per request; {values.GetArrayLength()} were sent");
        var errors = new InputErrors();
        var inputs = new List<(string? Type, string Value)>();
        var i = 0;
        foreach (var item in values.EnumerateArray())
        {
            var field = $"values[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors.Add(field, $"{field} must be an object {{type?, value}}");
                continue;
            }
            string? type = null;
            if (item.TryGetProperty("type", out var t) && t.ValueKind != JsonValueKind.Null)
            {
                if (t.ValueKind != JsonValueKind.String || !IndicatorTypes.IsKnown(t.GetString()!))
                {
                    errors.Add(field + ".type", $"{field}.type must be a MISP attribute type such as ip-dst, domain, url, md5");
                    continue;
                }
                type = t.GetString();
            }
            if (!item.TryGetProperty("value", out var v) || v.ValueKind != JsonValueKind.String)
            {
                errors.Add(field + ".value", $"{field}.value must be a string");
                continue;
            }
            inputs.Add((type, v.GetString()!));
        }
        if (errors.Any)
            return Problems.Invalid(errors);
        return TypedResults.Ok(new { results = inputs.Select(input => CheckOne(set, input.Type, input.Value)).ToList() });
    }

    /// <summary>One value: its type detected when absent, normalized as ingestion does, then checked; an error says why not.</summary>
    public static CheckResult CheckOne(WarninglistSet set, string? type, string value)
    {
        var original = value;
        if (type is null)
        {
            if (TypeDetector.Detect(value) is not { } detected)
                return new CheckResult(original, null, null, [], "the type cannot be detected from the value; give it");
            (type, value) = detected;
        }
        var normalized = IndicatorNormalizer.Normalize(type, value, out var error);
        return normalized is null
            ? new CheckResult(original, type, null, [], error)
            : new CheckResult(original, type, normalized, set.Check(type, normalized), null);
    }
}
