using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Http;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Cases;

/// <summary>Case templates of the organisation: read by everyone who reads cases, managed by admins.</summary>
public static class CaseTemplateEndpoints
{
    public static IEndpointRouteBuilder MapCaseTemplateEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/case-templates").WithTags("Case templates");
        g.MapGet("", List).RequirePermission(Permission.CaseRead).WithSummary("The organisation's case templates, by name");
        g.MapGet("/{id:long}", Get).RequirePermission(Permission.CaseRead).WithSummary("One case template");
        g.MapPost("", Create).RequirePermission(Permission.TemplateManage)
            .WithSummary("Create a case template: {name (unique), titlePrefix, description, severity, tlp, pap, tags, tasks, customFields}");
        g.MapPatch("/{id:long}", Update).RequirePermission(Permission.TemplateManage)
            .WithSummary("Change a case template (fields present change; tasks and tags are replaced)");
        g.MapDelete("/{id:long}", Delete).RequirePermission(Permission.TemplateManage)
            .WithSummary("Delete a case template (cases made from it are unchanged)");
        return app;
    }

    static async Task<IResult> List(Caller caller, Db db, CancellationToken ct)
    {
        var templates = await db.ReadAsync(c => CaseTemplates.ListAsync(c, caller.OrgId), ct);
        return TypedResults.Ok(new { items = templates.Select(CaseTemplateView.From) });
    }

    static async Task<IResult> Get(long id, Caller caller, Db db, CancellationToken ct)
    {
        var template = await db.ReadAsync(c => CaseTemplates.GetAsync(c, caller.OrgId, id), ct);
        return template is null ? Problems.NotFound("case template", id) : TypedResults.Ok(CaseTemplateView.From(template));
    }

    static async Task<IResult> Create(HttpRequest request, Caller caller, CaseTemplateWrites writes, CancellationToken ct)
    {
        var (input, error) = await CaseHttp.ParseAsync(request, CaseTemplateInput.ParseCreate, ct);
        if (error is not null)
            return error;
        var result = await writes.CreateAsync(caller, input!, ct);
        return Answer(result, 0, view => TypedResults.Created($"/api/v1/case-templates/{view.Id}", view));
    }

    static async Task<IResult> Update(long id, HttpRequest request, Caller caller, CaseTemplateWrites writes, CancellationToken ct)
    {
        var (input, error) = await CaseHttp.ParseAsync(request, CaseTemplateInput.ParsePatch, ct);
        if (error is not null)
            return error;
        return Answer(await writes.UpdateAsync(caller, id, input!, ct), id, TypedResults.Ok);
    }

    static async Task<IResult> Delete(long id, Caller caller, CaseTemplateWrites writes, CancellationToken ct) =>
        Answer(await writes.DeleteAsync(caller, id, ct), id, _ => TypedResults.NoContent());

    static IResult Answer(CaseTemplateWrites.Result result, long id, Func<CaseTemplateView, IResult> ok) =>
        result.NotFound ? Problems.NotFound("case template", id)
        : result.Conflict is { } conflict ? Problems.Conflict(conflict)
        : ok(result.View!);
}
