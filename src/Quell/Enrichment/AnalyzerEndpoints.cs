using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Audit;
using Quell.Http;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Enrichment;

/// <summary><c>/api/v1/analyzers</c>: the analyzers and the organisation's settings of each (configure: admin).</summary>
public static class AnalyzerEndpoints
{
    public static IEndpointRouteBuilder MapAnalyzerEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/analyzers").WithTags("Enrichment");
        g.MapGet("", List).RequirePermission(Permission.Analyze)
            .WithSummary("Every analyzer: data types, settings (secret items masked), limits, whether it is implemented and enabled");
        g.MapGet("/{name}", Get).RequirePermission(Permission.Analyze).WithSummary("One analyzer with its settings");
        g.MapPut("/{name}", Put).RequirePermission(Permission.AnalyzerManage)
            .WithSummary("Configure an analyzer {enabled, baseUrl?, config: {...}, rateLimit?, cacheTtl?, maxTlp?, maxPap?, auto?, artifacts?}; a secret sent as ******** keeps its value");
        return app;
    }

    static async Task<IResult> List(Caller caller, Db db, AnalyzerCatalogue catalogue, CancellationToken ct)
    {
        var settings = await db.ReadAsync(c => AnalyzerStore.SettingsAsync(c, caller.OrgId), ct);
        return TypedResults.Ok(new { items = catalogue.All.Select(d => AnalyzerView.Of(d, settings.GetValueOrDefault(d.Name))) });
    }

    static async Task<IResult> Get(string name, Caller caller, Db db, AnalyzerCatalogue catalogue, CancellationToken ct)
    {
        if (catalogue.Definition(name) is not { } d)
            return UnknownAnalyzer(name, catalogue);
        var s = await db.ReadAsync(c => AnalyzerStore.SettingsAsync(c, caller.OrgId, name), ct);
        return TypedResults.Ok(AnalyzerView.Of(d, s));
    }

    static IResult UnknownAnalyzer(string name, AnalyzerCatalogue catalogue) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
            detail: $"there is no analyzer '{(name.Length <= 64 ? name : name[..64] + "…")}'; analyzers are {string.Join(", ", catalogue.All.Select(d => d.Name))}");

    static async Task<IResult> Put(string name, HttpRequest request, Caller caller, Db db, AuditLog audit, AnalyzerCatalogue catalogue, AnalyzerSecrets secrets,
        TimeProvider time, CancellationToken ct)
    {
        if (catalogue.Definition(name) is not { } d)
            return UnknownAnalyzer(name, catalogue);
        return await ConfigureAsync(d, name, request, caller, db, audit, secrets, time, ct);
    }

    /// <summary>
    /// Replaces an organisation's settings of <paramref name="d"/>, stored under <paramref name="storedName"/> (responders
    /// keep theirs in the same table under a name of their own).
    /// </summary>
    internal static async Task<IResult> ConfigureAsync(AnalyzerDefinition d, string storedName, HttpRequest request, Caller caller, Db db, AuditLog audit,
        AnalyzerSecrets secrets, TimeProvider time, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, 64 * 1024, ct);
        if (error is not null)
            return error;
        using var body = doc;
        var saved = await AnalyzerSettingsWrites.SaveAsync(d, storedName, doc!.RootElement, caller, db, audit, secrets, time, ct);
        return saved.View is { } view ? TypedResults.Ok(view) : Problems.Invalid(saved.Errors);
    }
}
