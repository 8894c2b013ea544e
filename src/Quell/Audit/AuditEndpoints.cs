using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Http;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Audit;

public static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/audit").WithTags("Audit");
        g.MapGet("", List).RequirePermission(Permission.AuditRead).WithSummary("This organisation's audit entries, newest first (cursor: `before` id)");
        g.MapGet("/verify", async (AuditLog audit, CancellationToken ct) => TypedResults.Ok(await audit.VerifyAsync(ct)))
            .RequirePermission(Permission.AuditRead).WithSummary("Recompute the hash chain: {valid, checked, firstBrokenId, reason}");
        return app;
    }

    static async Task<IResult> List(HttpRequest request, Caller caller, Db db, CancellationToken ct)
    {
        var errors = new InputErrors();
        var q = new QueryParams(request.Query, errors);
        var limit = q.Int("limit", 1, 1000, 100);
        var before = q.Long("before", 1, long.MaxValue, long.MaxValue);
        if (errors.Any)
            return Problems.Invalid(errors);
        var rows = await db.ReadAsync(c => AuditLog.ListAsync(c, caller.OrgId, before, limit), ct);
        return TypedResults.Ok(new { items = rows, next = rows.Count == limit ? rows[^1].Id : (long?)null });
    }
}
