using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Http;
using Quell.Identity;

namespace Quell.Jobs;

public static class JobEndpoints
{
    static readonly string[] Statuses = [JobStatus.Pending, JobStatus.Running, JobStatus.Done, JobStatus.Dead];

    public static IEndpointRouteBuilder MapJobEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/jobs").WithTags("Jobs");
        g.MapGet("", async (HttpRequest request, JobQueue queue, CancellationToken ct) =>
        {
            var errors = new InputErrors();
            var q = new QueryParams(request.Query, errors);
            var status = q.String("status");
            if (status is not null && !Statuses.Contains(status))
                errors.Add("status", $"status must be one of {string.Join(", ", Statuses)}");
            var limit = q.Int("limit", 1, 1000, 100);
            return errors.Any ? Problems.Invalid(errors) : TypedResults.Ok(await queue.ListAsync(status, limit, ct));
        }).RequirePermission(Permission.JobManage).WithSummary("Background jobs, newest first; filter by status (pending, running, done, dead)");
        g.MapGet("/{id:long}", async (long id, JobQueue queue, CancellationToken ct) =>
            await queue.GetAsync(id, ct) is { } job ? TypedResults.Ok(job) : Problems.NotFound("job", id))
            .RequirePermission(Permission.JobManage).WithSummary("One job with its attempts and last error");
        g.MapPost("/{id:long}/retry", async (long id, JobQueue queue, CancellationToken ct) =>
            await queue.RetryAsync(id, ct) ? TypedResults.NoContent() : Problems.Conflict($"job {id} does not exist or is not dead"))
            .RequirePermission(Permission.JobManage).WithSummary("Put a dead-lettered job back in the queue");
        return app;
    }
}
