using Microsoft.AspNetCore.Http;
using Quell.Identity;

namespace Quell.Http;

/// <summary>
/// Fills in the detail of problems the framework writes itself (authentication challenges, authorization refusals,
/// unmatched routes), so that every error a client sees says what is wrong and what to do about it.
/// </summary>
public static class StatusProblems
{
    public static void Describe(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (!string.IsNullOrEmpty(problem.Detail))
            return;
        var http = context.HttpContext;
        problem.Detail = problem.Status switch
        {
            StatusCodes.Status401Unauthorized =>
                (http.Items[ApiKeyAuthenticationHandler.FailureItem] is string { Length: > 0 } why ? why + "; " : "") +
                "this endpoint needs credentials: send 'Authorization: Bearer <API key>' or sign in with POST /api/v1/login " +
                "(a session ends at logout, when the user is disabled or no longer belongs to the organisation asked for)",
            StatusCodes.Status403Forbidden =>
                http.GetEndpoint()?.Metadata.GetMetadata<RequiresPermission>() is { } needed && Caller.FromPrincipal(http.User) is { } caller
                    ? $"this endpoint needs the {needed.Permission} permission, which the role {Roles.Name(caller.Role)} does not grant" +
                      (needed.Permission is Permission.OrganisationManage or Permission.JobManage ? " (platform administrators only)" : "") +
                      "; ask an administrator of the organisation"
                    : "your role does not allow this request; ask an administrator of the organisation",
            StatusCodes.Status404NotFound => $"no endpoint matches {http.Request.Method} {http.Request.Path}; the API is described at /api/docs",
            StatusCodes.Status405MethodNotAllowed => $"{http.Request.Path} does not accept {http.Request.Method}; the API is described at /api/docs",
            StatusCodes.Status415UnsupportedMediaType => "send the body as application/json",
            _ => problem.Title,
        };
    }
}
