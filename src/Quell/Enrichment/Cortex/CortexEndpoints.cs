using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Identity;

namespace Quell.Enrichment.Cortex;

/// <summary><c>GET /api/v1/cortex</c>: the directories read at start, the flavours loaded and the definition files not used, with why (admin).</summary>
public static class CortexEndpoints
{
    public static IEndpointRouteBuilder MapCortexEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/cortex", (CortexCatalogue cortex) => TypedResults.Ok(new
        {
            directories = cortex.Directories,
            analyzers = cortex.Analyzers.Select(a => a.Definition.Name),
            responders = cortex.Responders.Keys.Order(StringComparer.Ordinal),
            problems = cortex.Problems.Select(p => new { file = p.File, reason = p.Reason }),
        })).WithTags("Enrichment").RequirePermission(Permission.AnalyzerManage)
            .WithSummary("Cortex flavours loaded at start (--cortex-analyzers) and the definition files that could not be used, each with its reason");
        return app;
    }
}
