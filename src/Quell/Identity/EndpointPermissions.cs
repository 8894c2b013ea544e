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
