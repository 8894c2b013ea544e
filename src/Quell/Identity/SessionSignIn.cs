using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Quell.Storage;

namespace Quell.Identity;

/// <summary>
/// Password sign-in into a cookie session, shared by the API's /api/v1/login and the web UI's login page so that
/// lockout, disabled accounts and organisation choice behave the same in both.
/// </summary>
public static class SessionSignIn
{
    /// <summary>The outcome: the signed-in caller, or why not (<see cref="Error"/>, and <see cref="LockedUntil"/> when locked).</summary>
    public sealed record Outcome(Caller? Caller, string? OrgName, string? Error, long? LockedUntil = null);

    public static async Task<Outcome> SignInAsync(HttpContext http, IdentityStore identity, Db db, string username, string password, string? organisation, CancellationToken ct)
    {
        var result = await identity.CheckPasswordAsync(username, password, ct);
        switch (result.Outcome)
        {
            case LoginOutcome.LockedOut:
                return new Outcome(null, null,
                    $"Too many failed sign-ins: the account is locked until {DateTimeOffset.FromUnixTimeMilliseconds(result.LockedUntil!.Value):u}. Try again later or ask an administrator to reset the password.",
                    result.LockedUntil);
            case LoginOutcome.Disabled:
                return new Outcome(null, null, "This account is disabled; ask an administrator.");
            case LoginOutcome.InvalidCredentials:
                return new Outcome(null, null, "Wrong username or password.");
        }

        var user = result.User!;
        var memberships = await db.ReadAsync(c => IdentityStore.MembershipsOfAsync(c, user.Id), ct);
        var chosen = organisation is null
            ? memberships.FirstOrDefault()
            : memberships.FirstOrDefault(m => m.OrgName == organisation || m.OrgId.ToString(CultureInfo.InvariantCulture) == organisation);
        if (chosen.OrgName is null || !Roles.TryParse(chosen.Role, out var role))
            return new Outcome(null, null, organisation is null ? "This user belongs to no organisation." : $"This user is not a member of organisation '{organisation}'.");

        var sessionId = await identity.StartSessionAsync(user.Id, ct);
        var principal = new ClaimsPrincipal(Caller.ToIdentity(user.Id, user.Username, chosen.OrgId, role, user.PlatformAdmin, "cookie",
            CookieAuthenticationDefaults.AuthenticationScheme, sessionId, chosen.OrgName));
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        http.User = principal;
        return new Outcome(Caller.FromPrincipal(principal), chosen.OrgName, null);
    }

    /// <summary>
    /// Re-issues the cookie of the current session for another of the user's organisations (the web UI's switch; API
    /// clients send X-Organisation instead). The session stays the same one, so logout still ends it.
    /// </summary>
    public static async Task<Outcome> SwitchOrganisationAsync(HttpContext http, Db db, long orgId, CancellationToken ct)
    {
        var caller = Caller.FromPrincipal(http.User);
        var sessionId = http.User.FindFirstValue(Caller.SessionIdClaim);
        if (caller is null || caller.AuthMethod != "cookie" || sessionId is null)
            return new Outcome(null, null, "Only a signed-in browser session can switch organisation; API clients send the X-Organisation header.");
        var memberships = await db.ReadAsync(c => IdentityStore.MembershipsOfAsync(c, caller.UserId), ct);
        var chosen = memberships.FirstOrDefault(m => m.OrgId == orgId);
        if (chosen.OrgName is null || !Roles.TryParse(chosen.Role, out var role))
            return new Outcome(null, null, "You are not a member of that organisation.");
        var principal = new ClaimsPrincipal(Caller.ToIdentity(caller.UserId, caller.Username, chosen.OrgId, role, caller.PlatformAdmin, "cookie",
            CookieAuthenticationDefaults.AuthenticationScheme, sessionId, chosen.OrgName));
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        http.User = principal;
        return new Outcome(Caller.FromPrincipal(principal), chosen.OrgName, null);
    }

    /// <summary>Ends the session on the server (so a copied cookie stops working) and clears the cookie.</summary>
    public static async Task SignOutAsync(HttpContext http, IdentityStore identity, CancellationToken ct)
    {
        if (http.User.FindFirstValue(Caller.SessionIdClaim) is { Length: > 0 } sessionId)
            await identity.EndSessionAsync(sessionId, ct);
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }
}
