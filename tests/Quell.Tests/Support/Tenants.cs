using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Quell.Identity;

namespace Quell.Tests.Support;

/// <summary>A second organisation with its own admin: the org's id and name, the admin's user id, username and API key.</summary>
public sealed record Tenant(long OrgId, string Name, long AdminUserId, string AdminUsername, string AdminKey);

/// <summary>Builds organisations the way an operator does (platform-admin API calls) plus API keys bound to them.</summary>
public static class Tenants
{
    public const string Password = "tenant-password-123";

    /// <summary>
    /// Creates an organisation and an admin who belongs only to it: the platform admin creates the organisation and the
    /// user, gives the user the admin role there and removes them from the default organisation; the user's API key
    /// for the new organisation is made through the services (the API only makes keys in the caller's organisation).
    /// </summary>
    public static async Task<Tenant> CreateAsync(TestServer server, string? name = null)
    {
        name ??= "org-" + Guid.NewGuid().ToString("N")[..10];
        using var platform = server.Client();
        var org = await platform.PostAsJsonAsync("/api/v1/organisations", new { name, description = "second tenant" }).ExpectAsync(HttpStatusCode.Created);
        var orgId = org.GetProperty("id").GetInt64();

        var username = "adm" + Guid.NewGuid().ToString("N")[..12];
        var user = await platform.PostAsJsonAsync("/api/v1/users", new { username, role = "read-only", password = Password }).ExpectAsync(HttpStatusCode.Created);
        var userId = user.GetProperty("id").GetInt64();
        await platform.PostAsJsonAsync($"/api/v1/organisations/{orgId}/members", new { username, role = "admin" }).ExpectAsync(HttpStatusCode.OK);
        (await platform.DeleteAsync($"/api/v1/users/{userId}")).EnsureSuccessStatusCode();

        var key = await CreateKeyAsync(server, userId, orgId);
        return new Tenant(orgId, name, userId, username, key);
    }

    /// <summary>An API key of <paramref name="userId"/> bound to <paramref name="orgId"/>, stored as the API stores keys.</summary>
    public static async Task<string> CreateKeyAsync(TestServer server, long userId, long orgId)
    {
        var secret = ApiKeys.NewSecret();
        var keys = server.Services.GetRequiredService<ApiKeys>();
        await server.Db.WriteAsync((c, tx) => keys.CreateAsync(c, tx, userId, orgId, "test", secret));
        return secret;
    }

    /// <summary>Creates a user of the caller's organisation with <paramref name="role"/>; returns its id.</summary>
    public static async Task<long> CreateUserAsync(HttpClient admin, string username, string role, string password = Password)
    {
        var created = await admin.PostAsJsonAsync("/api/v1/users", new { username, role, password }).ExpectAsync(HttpStatusCode.Created);
        return created.GetProperty("id").GetInt64();
    }

    public static string NewUsername(string prefix = "u") => prefix + Guid.NewGuid().ToString("N")[..14];
}
