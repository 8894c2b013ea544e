using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Audit;
using Quell.Http;
using Quell.Storage;

namespace Quell.Identity;

/// <summary>Sign-in, sign-out, the caller's own profile, password and API keys.</summary>
public static class IdentityEndpoints
{
    public static IEndpointRouteBuilder MapIdentityEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1").WithTags("Identity");
        g.MapPost("/login", Login).Public().WithSummary("Sign in with username and password; sets the session cookie and returns a CSRF token");
        g.MapPost("/logout", (Delegate)Logout).RequirePermission(Permission.Authenticated).WithSummary("End the session");
        g.MapGet("/me", Me).RequirePermission(Permission.Authenticated).WithSummary("The caller: user, organisation, role, permissions");
        g.MapPost("/me/password", ChangePassword).RequirePermission(Permission.Authenticated).WithSummary("Change own password");
        g.MapGet("/me/api-keys", ListKeys).RequirePermission(Permission.Authenticated).WithSummary("Own API keys (never their values)");
        g.MapPost("/me/api-keys", CreateKey).RequirePermission(Permission.Authenticated).WithSummary("Create an API key; its value is shown once");
        g.MapDelete("/me/api-keys/{id:long}", RevokeKey).RequirePermission(Permission.Authenticated).WithSummary("Revoke one of own API keys");
        return app;
    }

    static async Task<IResult> Login(HttpContext http, Db db, IdentityStore identity, IAntiforgery antiforgery, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(http.Request, 16 * 1024, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var errors = new InputErrors();
        var f = JsonFields.ForObject(doc!.RootElement, errors);
        var username = f?.String("username", required: true, maxLength: 256);
        var password = f?.String("password", required: true, maxLength: 1024, allowEmpty: true);
        var organisation = f?.String("organisation", maxLength: 256);
        if (errors.Any)
            return Problems.Invalid(errors);

        var outcome = await SessionSignIn.SignInAsync(http, identity, db, username!, password!, organisation, ct);
        if (outcome.LockedUntil is { } lockedUntil)
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Account locked", detail: outcome.Error,
                extensions: new Dictionary<string, object?> { ["lockedUntil"] = DateTimeOffset.FromUnixTimeMilliseconds(lockedUntil) });
        if (outcome.Error is not null)
            return Problems.Unauthorized(outcome.Error);
        var caller = outcome.Caller!;
        var user = await db.ReadAsync(c => IdentityStore.GetUserAsync(c, caller.UserId), ct);
        var tokens = antiforgery.GetAndStoreTokens(http);
        return TypedResults.Ok(new
        {
            id = caller.UserId,
            username = caller.Username,
            displayName = user?.DisplayName,
            organisation = new { id = caller.OrgId, name = outcome.OrgName },
            role = Roles.Name(caller.Role),
            csrfToken = tokens.RequestToken,
        });
    }

    static async Task<IResult> Logout(HttpContext http, IdentityStore identity, CancellationToken ct)
    {
        await SessionSignIn.SignOutAsync(http, identity, ct);
        return TypedResults.NoContent();
    }

    static async Task<IResult> Me(HttpContext http, Caller caller, Db db, IAntiforgery antiforgery, CancellationToken ct)
    {
        var (user, memberships) = await db.ReadAsync(async c => (await IdentityStore.GetUserAsync(c, caller.UserId), await IdentityStore.MembershipsOfAsync(c, caller.UserId)), ct);
        var current = memberships.First(m => m.OrgId == caller.OrgId);
        return TypedResults.Ok(new
        {
            id = caller.UserId,
            username = caller.Username,
            displayName = user?.DisplayName,
            organisation = new { id = caller.OrgId, name = current.OrgName },
            role = Roles.Name(caller.Role),
            platformAdmin = caller.PlatformAdmin,
            permissions = Enum.GetValues<Permission>().Where(caller.Can).Select(p => p.ToString()),
            organisations = memberships.Select(m => new { id = m.OrgId, name = m.OrgName, role = m.Role }),
            csrfToken = caller.AuthMethod == "cookie" ? antiforgery.GetAndStoreTokens(http).RequestToken : null,
        });
    }

    static async Task<IResult> ChangePassword(HttpContext http, HttpRequest request, Caller caller, UserAdmin admin, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, 16 * 1024, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var errors = new InputErrors();
        var f = JsonFields.ForObject(doc!.RootElement, errors);
        var current = f?.String("currentPassword", required: true, maxLength: 1024, allowEmpty: true);
        var next = f?.String("newPassword", required: true, maxLength: 1024);
        if (errors.Any)
            return Problems.Invalid(errors);
        var result = await admin.ChangeOwnPasswordAsync(caller, current!, next!, http.User.FindFirstValue(Caller.SessionIdClaim), ct);
        return result.Failure is { } failure ? UserEndpoints.Problem(failure) : TypedResults.NoContent();
    }

    static async Task<IResult> ListKeys(Caller caller, Db db, CancellationToken ct) =>
        TypedResults.Ok(await db.ReadAsync(c => ApiKeys.ListAsync(c, caller.UserId, caller.OrgId), ct));

    internal static async Task<IResult> CreateKeyFor(HttpRequest request, long userId, Caller caller, UserAdmin admin, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, 16 * 1024, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var errors = new InputErrors();
        var name = JsonFields.ForObject(doc!.RootElement, errors)?.String("name", required: true, maxLength: 128);
        if (errors.Any)
            return Problems.Invalid(errors);
        var result = await admin.CreateKeyAsync(caller, userId, name!, ct);
        if (result.Failure is { } failure)
            return UserEndpoints.Problem(failure);
        var (id, secret) = result.Value;
        return TypedResults.Created($"/api/v1/me/api-keys/{id}", new { id, name, key = secret, note = "store this key now: it is not shown again" });
    }

    static Task<IResult> CreateKey(HttpRequest request, Caller caller, UserAdmin admin, CancellationToken ct) =>
        CreateKeyFor(request, caller.UserId, caller, admin, ct);

    static async Task<IResult> RevokeKey(long id, Caller caller, UserAdmin admin, CancellationToken ct) =>
        (await admin.RevokeOwnKeyAsync(caller, id, ct)).Failure is { } failure ? UserEndpoints.Problem(failure) : TypedResults.NoContent();

    internal static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
