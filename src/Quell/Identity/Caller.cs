using System.Globalization;
using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Quell.Identity;

/// <summary>The authenticated user of a request, in the organisation the request acts on.</summary>
public sealed record Caller(long UserId, string Username, long OrgId, Role Role, bool PlatformAdmin, string AuthMethod)
{
    public const string UserIdClaim = "quell:uid";
    public const string OrgIdClaim = "quell:org";
    public const string RoleClaim = "quell:role";
    public const string PlatformAdminClaim = "quell:platform";
    public const string AuthMethodClaim = "quell:auth";
    public const string SessionIdClaim = "quell:sid";

    /// <summary>The organisation's name, for display (cookie sessions only; the id claim is what authorizes).</summary>
    public const string OrgNameClaim = "quell:orgname";

    /// <summary>How the audit log names this caller.</summary>
    public string Actor => AuthMethod == "apikey" ? $"{Username} (api key)" : Username;

    public bool Can(Permission p) => RolePermissions.Allows(Role, PlatformAdmin, p);

    public static Caller? FromPrincipal(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true)
            return null;
        if (!long.TryParse(user.FindFirstValue(UserIdClaim), CultureInfo.InvariantCulture, out var uid) ||
            !long.TryParse(user.FindFirstValue(OrgIdClaim), CultureInfo.InvariantCulture, out var org) ||
            !Roles.TryParse(user.FindFirstValue(RoleClaim), out var role))
            return null;
        return new Caller(uid, user.Identity.Name ?? "", org, role,
            user.FindFirstValue(PlatformAdminClaim) == "true", user.FindFirstValue(AuthMethodClaim) ?? "");
    }

    public static ClaimsIdentity ToIdentity(long userId, string username, long orgId, Role role, bool platformAdmin, string authMethod, string scheme, string? sessionId = null, string? orgName = null) =>
        new(
        [
            .. sessionId is null ? Array.Empty<Claim>() : [new Claim(SessionIdClaim, sessionId)],
            .. orgName is null ? Array.Empty<Claim>() : [new Claim(OrgNameClaim, orgName)],
            // Antiforgery binds its token to NameIdentifier when present, else to every claim: without it a token
            // would stop working as soon as X-Organisation switched the organisation (and with it the role claims).
            new Claim(ClaimTypes.NameIdentifier, userId.ToString(CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Name, username),
            new Claim(UserIdClaim, userId.ToString(CultureInfo.InvariantCulture)),
            new Claim(OrgIdClaim, orgId.ToString(CultureInfo.InvariantCulture)),
            new Claim(RoleClaim, Roles.Name(role)),
            new Claim(PlatformAdminClaim, platformAdmin ? "true" : "false"),
            new Claim(AuthMethodClaim, authMethod),
        ], scheme, ClaimTypes.Name, RoleClaim);

    /// <summary>Minimal API binding: endpoints take a <see cref="Caller"/> parameter; authorization guarantees it exists.</summary>
    public static ValueTask<Caller?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult(FromPrincipal(context.User));
}
