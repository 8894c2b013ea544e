using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Quell.Identity;

/// <summary>Endpoint metadata: the permission an endpoint declared. The access test enumerates these.</summary>
public sealed record RequiresPermission(Permission Permission);

/// <summary>Endpoint metadata: open without signing in (health, login, OpenAPI).</summary>
public sealed record PublicEndpoint;

public static class EndpointPermissions
{
    public static string PolicyName(Permission p) => "perm:" + p;

    /// <summary>Declares what the endpoint needs: 401 without credentials, 403 when the caller's role lacks it.</summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, Permission permission)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(PolicyName(permission)).WithMetadata(new RequiresPermission(permission));

    public static TBuilder Public<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AllowAnonymous().WithMetadata(new PublicEndpoint());

    public static void AddPermissionPolicies(AuthorizationOptions options)
    {
        foreach (var p in Enum.GetValues<Permission>())
            options.AddPolicy(PolicyName(p), b => b.RequireAuthenticatedUser()
                .RequireAssertion(ctx => Caller.FromPrincipal(ctx.User)?.Can(p) == true));
    }
}

/// <summary>
/// The permission a web UI page needs, as an attribute (<c>@attribute [PagePermission(Permission.AlertRead)]</c>): the
/// same policy as the API's <see cref="EndpointPermissions.RequirePermission{TBuilder}"/>, so a page and the endpoints
/// behind its forms let exactly the same people in.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class PagePermissionAttribute : AuthorizeAttribute
{
    public PagePermissionAttribute(Permission permission)
    {
        Permission = permission;
        Policy = EndpointPermissions.PolicyName(permission);
    }

    public Permission Permission { get; }
}

/// <summary>A web UI page open without signing in (login). The counterpart of <see cref="EndpointPermissions.Public{TBuilder}"/>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class PublicPageAttribute : Attribute, IAllowAnonymous;
