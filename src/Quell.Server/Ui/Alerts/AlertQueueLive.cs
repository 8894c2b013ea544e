using Quell.Alerts;
using Quell.Http;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Server.Ui.Alerts;

/// <summary>
/// What quell.js polls every few seconds while the queue is open: how many alerts matching the queue's filters arrived
/// after the page was drawn (<c>after</c> = the highest alert id then). Only a count: the page shows a badge and a
/// link that reloads the first page, so the rows are rendered by the page itself, in its sort, with its checkboxes.
/// One indexed COUNT over the new rows (id &gt; after), no waiting: the answer comes at once.
/// </summary>
public static class AlertQueueLive
{
    public static IEndpointRouteBuilder MapAlertQueueLive(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ui/alerts/new", NewAsync).RequirePermission(Permission.AlertRead).ExcludeFromDescription();
        return app;
    }

    static async Task<IResult> NewAsync(HttpRequest request, Caller caller, Db db, CancellationToken ct)
    {
        var errors = new InputErrors();
        var query = AlertQuery.Parse(new QueryParams(request.Query, errors));
        if (query.AfterId is null)
            errors.Add("after", "after is required: the highest alert id the page shows");
        if (errors.Any)
            return Problems.Invalid(errors);
        var count = await db.ReadAsync(c => query.CountAsync(c, db, caller.OrgId), ct);
        return TypedResults.Ok(new { count });
    }
}
