using Microsoft.Extensions.DependencyInjection;
using Quell.Identity;

namespace Quell.Tests.Support;

/// <summary>A second tenant for isolation tests, made through the services directly (no API exists for keys in another org).</summary>
public static class Organisations
{
    /// <summary>Creates an organisation with an admin user and returns an API key acting in that organisation.</summary>
    public static async Task<string> CreateOtherOrganisationKeyAsync(this TestServer server, string role = "admin")
    {
        var identity = server.Services.GetRequiredService<IdentityStore>();
        var keys = server.Services.GetRequiredService<ApiKeys>();
        if (!Roles.TryParse(role, out var parsed))
            throw new ArgumentException($"unknown role {role}", nameof(role));
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var secret = ApiKeys.NewSecret();
        await server.Db.WriteAsync(async (c, tx) =>
        {
            var orgId = await identity.CreateOrganisationAsync(c, tx, "org-" + suffix, "second organisation for isolation tests");
            var userId = await identity.CreateUserAsync(c, tx, "other-" + suffix, "Other organisation user", password: null, platformAdmin: false);
            await IdentityStore.SetMembershipAsync(c, tx, userId, orgId, parsed);
            await keys.CreateAsync(c, tx, userId, orgId, "test", secret);
        });
        return secret;
    }
}
