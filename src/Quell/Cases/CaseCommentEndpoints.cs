using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Audit;
using Quell.Http;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Cases;

/// <summary>Comments of a case: the analysts' discussion, oldest first.</summary>
public static class CaseCommentEndpoints
{
    public static IEndpointRouteBuilder MapCaseCommentEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/cases").WithTags("Cases");
        g.MapGet("/{id:long}/comments", List).RequirePermission(Permission.CaseRead).WithSummary("The case's comments, oldest first (limit, cursor)");
        g.MapPost("/{id:long}/comments", Add).RequirePermission(Permission.CaseWrite).WithSummary("Comment on the case: {message} (Markdown)");
        return app;
    }

    static Task<IResult> List(long id, HttpRequest request, Caller caller, Db db, CancellationToken ct) =>
        OldestFirstPage.ListAsync<CaseComment>(request, db, ["id"], ("case", id),
            async c => await CaseStore.GetRowAsync(c, caller.OrgId, id) is not null,
            CaseComment.SelectOfCase, new { org = caller.OrgId, id },
            x => [x.Id], ct);

    static async Task<IResult> Add(long id, HttpRequest request, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var (message, error) = await CaseHttp.ParseAsync(request, MessageInput.Parse, ct);
        if (error is not null)
            return error;
        return await AddAsync(id, message!, caller, db, audit, time, ct);
    }

    /// <summary>Adds a comment whose message was validated (<see cref="MessageInput"/>); the web UI calls it too.</summary>
    public static async Task<IResult> AddAsync(long id, string message, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct) =>
        await db.WriteAsync<IResult>(async (c, tx) =>
        {
            var row = await CaseStore.GetRowForWriteAsync(c, tx, db, caller.OrgId, id);
            if (row is null)
                return Problems.NotFound("case", id);
            if (CaseHttp.RefuseIfMerged(row) is { } merged)
                return merged;
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var commentId = await c.ExecuteScalarAsync<long>("""
                INSERT INTO case_comments (case_id, org_id, message, created_by, created_at) VALUES (@id, @org, @message, @actor, @now) RETURNING id
                """, new { id, org = caller.OrgId, message, actor = caller.Actor, now }, tx);
            var comment = await c.QuerySingleAsync<CaseComment>($"SELECT {CaseComment.Columns} FROM case_comments WHERE id = @commentId", new { commentId }, tx);
            await CaseStore.AddTimelineAsync(c, tx, id, caller.OrgId, CaseTimelineKind.CommentAdded, $"Comment added by {caller.Username}", caller.Actor, now);
            await CaseStore.TouchAsync(c, tx, id, now);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "comment.create", "case", CaseHttp.Id(id), null, new { commentId, message }));
            return TypedResults.Created($"/api/v1/cases/{id}/comments", comment);
        }, ct);
}
