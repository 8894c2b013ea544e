namespace Quell.Tests.Support;

/// <summary>A second tenant for isolation tests: an API key acting in another organisation with the given role.</summary>
public static class Organisations
{
    public static async Task<string> CreateOtherOrganisationKeyAsync(this TestServer server, string role = "admin")
    {
        var tenant = await Tenants.CreateAsync(server);
        if (role == "admin")
            return tenant.AdminKey;
        using var admin = server.Client(tenant.AdminKey);
        var userId = await Tenants.CreateUserAsync(admin, Tenants.NewUsername(), role);
        return await Tenants.CreateKeyAsync(server, userId, tenant.OrgId);
    }
}
