using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Quell.Identity;

namespace Quell.Intel.Taxii;

/// <summary>
/// TAXII 2.1 error messages (§3.6.1: title, description, http_status as a string) as the answer of every failed
/// request under <c>/taxii2/</c>: TAXII clients read these, not RFC 9457 problems.
/// </summary>
public static class TaxiiErrors
{
    public static IResult Error(int status, string title, string description) => new ErrorResult(status, title, description);

    public static IResult NotFound(string what) => Error(StatusCodes.Status404NotFound, "Not found", what);

    public static IResult BadRequest(string description) => Error(StatusCodes.Status400BadRequest, "Bad request", description);

    public static IResult Forbidden(string description) => Error(StatusCodes.Status403Forbidden, "Forbidden", description);

    public static IResult NotAcceptable() => Error(StatusCodes.Status406NotAcceptable, "Not acceptable",
        $"this TAXII server answers in {TaxiiMedia.Taxii}; send that (or */*) in the Accept header");

    public static async Task WriteAsync(HttpContext http, int status, string title, string description)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = TaxiiMedia.Taxii;
        await using var w = new Utf8JsonWriter(http.Response.Body, TaxiiMedia.Writer);
        w.WriteStartObject();
        w.WriteString("title", title);
        w.WriteString("description", description);
        w.WriteString("http_status", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.WriteEndObject();
        await w.FlushAsync(http.RequestAborted);
    }

    sealed class ErrorResult(int status, string title, string description) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext, status, title, description);
    }

    /// <summary>
    /// Gives the statuses the framework answers without a body under /taxii2/ (401 and 403 from authorization, 404 and
    /// 405 from routing) a TAXII error message. Registered inside the status-code pages, which then leave them alone.
    /// A 401 also names the schemes (Basic with the API key as password, or Bearer), as TAXII clients expect.
    /// </summary>
    public static IApplicationBuilder UseTaxiiErrors(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            if (!http.Request.Path.StartsWithSegments("/taxii2"))
            {
                await next(http);
                return;
            }
            await next(http);
            var status = http.Response.StatusCode;
            if (status < 400 || http.Response.HasStarted || http.Response.ContentLength > 0 || !string.IsNullOrEmpty(http.Response.ContentType))
                return;
            if (status == StatusCodes.Status401Unauthorized)
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"Quell TAXII\", Bearer";
            var (title, description) = status switch
            {
                StatusCodes.Status401Unauthorized => ("Unauthorized",
                    (http.Items[ApiKeyAuthenticationHandler.FailureItem] is string { Length: > 0 } why ? why + "; " : "") +
                    "send a Quell API key as 'Authorization: Bearer <key>' or as the password of HTTP Basic authentication (any user name)"),
                StatusCodes.Status403Forbidden => ("Forbidden",
                    http.GetEndpoint()?.Metadata.GetMetadata<RequiresPermission>() is { } needed && Caller.FromPrincipal(http.User) is { } caller
                        ? $"this TAXII resource needs the {needed.Permission} permission, which the role {Roles.Name(caller.Role)} does not grant; ask an administrator of the organisation"
                        : "your role does not allow this request; ask an administrator of the organisation"),
                StatusCodes.Status404NotFound => ("Not found", $"no TAXII resource at {http.Request.Path}; discovery is at /taxii2/"),
                StatusCodes.Status405MethodNotAllowed => ("Method not allowed", $"{http.Request.Path} does not accept {http.Request.Method}"),
                _ => ("Error", $"the request failed with status {status}"),
            };
            await WriteAsync(http, status, title, description);
        });
}
