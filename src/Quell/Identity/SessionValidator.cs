using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;
using Quell.Storage;

namespace Quell.Identity;

/// <summary>
/// Re-reads a cookie session's user and membership on every request: a disabled user or a removed membership
/// loses access at once, a changed role applies at once, and the `X-Organisation` header switches organisation
/// (by id or name) for users who belong to several. A session ended by logout is refused even if a copy of its cookie survives.
/// </summary>
public static class SessionValidator
{
    public const string OrganisationHeader = "X-Organisation";

    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        if (!long.TryParse(principal?.FindFirstValue(Caller.UserIdClaim), CultureInfo.InvariantCulture, out var userId) ||
            !long.TryParse(principal?.FindFirstValue(Caller.OrgIdClaim), CultureInfo.InvariantCulture, out var orgId))
        {
            context.RejectPrincipal();
            return;
        }

        var db = context.HttpContext.RequestServices.GetRequiredService<Db>();
        await using var c = await db.OpenAsync(context.HttpContext.RequestAborted);
        var sessionId = principal!.FindFirstValue(Caller.SessionIdClaim);
        var user = await IdentityStore.GetUserAsync(c, userId);
        if (user is null || user.Disabled || sessionId is null || !await IdentityStore.IsSessionOpenAsync(c, sessionId, userId))
        {
            context.RejectPrincipal();
            return;
        }

        string? wanted = context.HttpContext.Request.Headers[OrganisationHeader];
        var memberships = await IdentityStore.MembershipsOfAsync(c, userId);
        var chosen = memberships.FirstOrDefault(m => m.OrgId == orgId);
        if (!string.IsNullOrWhiteSpace(wanted))
        {
            chosen = memberships.FirstOrDefault(m =>
                m.OrgName == wanted || m.OrgId.ToString(CultureInfo.InvariantCulture) == wanted);
        }
        if (chosen.OrgName is null || !Roles.TryParse(chosen.Role, out var role))
        {
            context.RejectPrincipal();
            return;
        }

        var identity = Caller.ToIdentity(user.Id, user.Username, chosen.OrgId, role, user.PlatformAdmin, "cookie",
            CookieAuthenticationDefaults.AuthenticationScheme, sessionId, chosen.OrgName);
        context.ReplacePrincipal(new ClaimsPrincipal(identity));
    }
}
