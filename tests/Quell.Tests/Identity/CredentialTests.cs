using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Quell.Identity;
using Quell.Tests.Support;

namespace Quell.Tests.Identity;

/// <summary>API keys, disabled users, user creation rules, organisation switching and how secrets are stored.</summary>
public abstract class CredentialTests(TestServer server)
{
    [Fact]
    public async Task The_bootstrap_api_key_is_the_platform_administrator()
    {
        using var client = server.Client(TestServer.AdminKey);
        var me = await client.GetAsync("/api/v1/me").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("admin", me.GetProperty("username").GetString());
        Assert.True(me.GetProperty("platformAdmin").GetBoolean());
        Assert.Equal("admin", me.GetProperty("role").GetString());
        await client.GetAsync("/api/v1/organisations").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_platform_admin_changes_an_organisations_description_and_the_change_is_audited()
    {
        using var admin = server.Client(TestServer.AdminKey);
        var name = Tenants.NewUsername("org");
        var org = await admin.PostAsJsonAsync("/api/v1/organisations", new { name, description = "before" }).ExpectAsync(HttpStatusCode.Created);
        var changed = await admin.PatchJsonAsync($"/api/v1/organisations/{org.Id()}", new { description = "after" }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("after", changed.GetProperty("description").GetString());
        Assert.Equal(name, changed.GetProperty("name").GetString());
        await admin.PatchJsonAsync($"/api/v1/organisations/{org.Id()}", new { name = "renamed" }).ExpectAsync(HttpStatusCode.BadRequest);
        await admin.PatchJsonAsync("/api/v1/organisations/999999", new { description = "x" }).ExpectAsync(HttpStatusCode.NotFound);
        var entries = await server.Db.ReadAsync(async c => (await c.QueryAsync<string>(
            "SELECT after_json FROM audit_log WHERE action = 'organisation.update' AND entity_id = @id",
            new { id = org.Id().ToString(System.Globalization.CultureInfo.InvariantCulture) })).AsList());
        Assert.Contains("after", Assert.Single(entries));
    }

    [Fact]
    public async Task Unknown_malformed_and_empty_api_keys_get_401()
    {
        foreach (var header in new[] { "Bearer qk_not_a_real_key", "Bearer ", "Bearer      ", "bearer " + TestServer.AdminKey + "x", "Basic YWRtaW46YWRtaW4=" })
        {
            using var client = new HttpClient { BaseAddress = server.BaseAddress };
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me");
            request.Headers.TryAddWithoutValidation("Authorization", header);
            await (await client.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task A_revoked_api_key_gets_401()
    {
        var key = await server.CreateUserKeyAsync("analyst");
        using var client = server.Client(key);
        var keys = await client.GetAsync("/api/v1/me/api-keys").ExpectAsync(HttpStatusCode.OK);
        var id = keys.EnumerateArray().Single().Id();

        await (await client.DeleteAsync($"/api/v1/me/api-keys/{id}")).ExpectAsync(HttpStatusCode.NoContent);

        var refused = await client.GetAsync("/api/v1/me").ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("revoked", Problem.Detail(refused));
    }

    [Fact]
    public async Task A_user_cannot_revoke_someone_elses_key()
    {
        var victim = await server.CreateUserKeyAsync("analyst");
        using var victimClient = server.Client(victim);
        var victimKeyId = (await victimClient.GetAsync("/api/v1/me/api-keys").ExpectAsync(HttpStatusCode.OK)).EnumerateArray().Single().Id();
        using var other = server.Client(await server.CreateUserKeyAsync("analyst"));
        await (await other.DeleteAsync($"/api/v1/me/api-keys/{victimKeyId}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await victimClient.GetAsync("/api/v1/me").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_disabled_users_key_session_and_password_are_all_refused()
    {
        using var admin = server.Client();
        var username = Tenants.NewUsername();
        var id = await Tenants.CreateUserAsync(admin, username, "analyst");
        var key = (await admin.PostAsJsonAsync($"/api/v1/users/{id}/api-keys", new { name = "svc" }).ExpectAsync(HttpStatusCode.Created)).GetProperty("key").GetString()!;
        using var keyClient = server.Client(key);
        using var session = await Session.LoginAsync(server, username, Tenants.Password);
        await keyClient.GetAsync("/api/v1/me").ExpectAsync(HttpStatusCode.OK);
        await session.MeAsync();

        await admin.PatchJsonAsync($"/api/v1/users/{id}", new { disabled = true }).ExpectAsync(HttpStatusCode.OK);

        await keyClient.GetAsync("/api/v1/me").ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await session.GetAsync("/api/v1/me").ExpectProblemAsync(HttpStatusCode.Unauthorized);
        var login = await (await Session.Anonymous(server).PostLoginAsync(username, Tenants.Password)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("disabled", Problem.Detail(login));
    }

    [Fact]
    public async Task A_removed_members_key_and_session_lose_access_to_that_organisation()
    {
        using var admin = server.Client();
        var username = Tenants.NewUsername();
        var id = await Tenants.CreateUserAsync(admin, username, "analyst");
        var key = (await admin.PostAsJsonAsync($"/api/v1/users/{id}/api-keys", new { name = "svc" }).ExpectAsync(HttpStatusCode.Created)).GetProperty("key").GetString()!;
        using var session = await Session.LoginAsync(server, username, Tenants.Password);

        await (await admin.DeleteAsync($"/api/v1/users/{id}")).ExpectAsync(HttpStatusCode.NoContent);

        using var keyClient = server.Client(key);
        await keyClient.GetAsync("/api/v1/alerts").ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await session.GetAsync("/api/v1/alerts").ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_admin_lists_and_revokes_a_users_keys_but_not_keys_of_another_user()
    {
        using var admin = server.Client();
        var id = await Tenants.CreateUserAsync(admin, Tenants.NewUsername(), "analyst");
        var other = await Tenants.CreateUserAsync(admin, Tenants.NewUsername(), "analyst");
        var created = await admin.PostAsJsonAsync($"/api/v1/users/{id}/api-keys", new { name = "svc" }).ExpectAsync(HttpStatusCode.Created);
        var (keyId, key) = (created.Id(), created.GetProperty("key").GetString()!);
        using var keyClient = server.Client(key);
        await keyClient.GetAsync("/api/v1/me").ExpectAsync(HttpStatusCode.OK);

        var listed = Assert.Single((await admin.GetAsync($"/api/v1/users/{id}/api-keys").ExpectAsync(HttpStatusCode.OK)).EnumerateArray());
        Assert.Equal((keyId, "svc", key[..8]), (listed.Id(), listed.GetProperty("name").GetString(), listed.GetProperty("prefix").GetString()));
        Assert.False(listed.TryGetProperty("keyHash", out _));
        await (await admin.DeleteAsync($"/api/v1/users/{other}/api-keys/{keyId}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await keyClient.GetAsync("/api/v1/me").ExpectAsync(HttpStatusCode.OK);

        await (await admin.DeleteAsync($"/api/v1/users/{id}/api-keys/{keyId}")).ExpectAsync(HttpStatusCode.NoContent);

        await keyClient.GetAsync("/api/v1/me").ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.NotEqual(JsonValueKind.Null, Assert.Single((await admin.GetAsync($"/api/v1/users/{id}/api-keys").ExpectAsync(HttpStatusCode.OK)).EnumerateArray()).GetProperty("revokedAt").ValueKind);
        await admin.GetAsync("/api/v1/users/99999999/api-keys").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_role_change_applies_to_existing_keys_at_once()
    {
        using var admin = server.Client();
        var id = await Tenants.CreateUserAsync(admin, Tenants.NewUsername(), "analyst");
        var key = (await admin.PostAsJsonAsync($"/api/v1/users/{id}/api-keys", new { name = "svc" }).ExpectAsync(HttpStatusCode.Created)).GetProperty("key").GetString()!;
        using var client = server.Client(key);
        var alert = new { type = "t", source = "roles", sourceRef = Guid.NewGuid().ToString("N"), title = "t" };
        await client.PostAsJsonAsync("/api/v1/alerts", alert).ExpectAsync(HttpStatusCode.Created);

        await admin.PatchJsonAsync($"/api/v1/users/{id}", new { role = "read-only" }).ExpectAsync(HttpStatusCode.OK);

        await client.PostAsJsonAsync("/api/v1/alerts", alert).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await client.GetAsync("/api/v1/alerts").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_duplicate_username_is_a_409_problem_whatever_its_case()
    {
        using var admin = server.Client();
        var username = Tenants.NewUsername("dup");
        await Tenants.CreateUserAsync(admin, username, "analyst");
        var problem = await admin.PostAsJsonAsync("/api/v1/users", new { username = username.ToUpperInvariant(), role = "analyst", password = Tenants.Password })
            .ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains(username, Problem.Detail(problem));
    }

    [Fact]
    public async Task The_same_username_created_in_parallel_makes_one_user_and_409s()
    {
        using var admin = server.Client();
        var username = Tenants.NewUsername("race");
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            admin.PostAsJsonAsync("/api/v1/users", new { username, role = "analyst", password = Tenants.Password })));
        var statuses = responses.Select(r => (int)r.StatusCode).OrderBy(s => s).ToList();
        Assert.True(statuses.Count(s => s == 201) == 1 && statuses.Count(s => s == 409) == 7, "statuses: " + string.Join(", ", statuses));
        foreach (var r in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
            await r.ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_weak_password_is_a_400_naming_the_field()
    {
        using var admin = server.Client();
        var created = await admin.PostAsJsonAsync("/api/v1/users", new { username = Tenants.NewUsername(), role = "analyst", password = "short" })
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["password"], Problem.Fields(created));
        Assert.Contains("at least", Problem.Detail(created));

        using var user = server.Client(await server.CreateUserKeyAsync("analyst"));
        var changed = await user.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = "user-password-123", newPassword = "2short" })
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("newPassword", Problem.Fields(changed));
    }

    [Fact]
    public async Task The_organisation_header_switches_organisation_for_a_member_and_is_refused_for_a_non_member()
    {
        var b = await Tenants.CreateAsync(server);
        var c = await Tenants.CreateAsync(server);
        using var platform = server.Client();
        var username = Tenants.NewUsername("multi");
        await Tenants.CreateUserAsync(platform, username, "analyst");
        await platform.PostAsJsonAsync($"/api/v1/organisations/{b.OrgId}/members", new { username, role = "read-only" }).ExpectAsync(HttpStatusCode.OK);
        using var s = await Session.LoginAsync(server, username, Tenants.Password);

        var inB = await s.GetAsync("/api/v1/me", organisation: b.Name).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(b.OrgId, inB.GetProperty("organisation").Id());
        Assert.Equal("read-only", inB.GetProperty("role").GetString());
        var byId = await s.GetAsync("/api/v1/me", organisation: b.OrgId.ToString(System.Globalization.CultureInfo.InvariantCulture)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(b.OrgId, byId.GetProperty("organisation").Id());
        // Read-only in B: writing there is forbidden even though the user is an analyst at home.
        var alert = new { type = "t", source = "switch", sourceRef = Guid.NewGuid().ToString("N"), title = "t" };
        await (await s.SendAsync(HttpMethod.Post, "/api/v1/alerts", alert, organisation: b.Name)).ExpectProblemAsync(HttpStatusCode.Forbidden);

        await s.GetAsync("/api/v1/me", organisation: c.Name).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await s.GetAsync("/api/v1/alerts", organisation: "no-such-organisation").ExpectProblemAsync(HttpStatusCode.Unauthorized);

        var home = await s.MeAsync();
        Assert.Equal("default", home.GetProperty("organisation").GetProperty("name").GetString());
        await (await s.SendAsync(HttpMethod.Post, "/api/v1/alerts", alert)).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task The_csrf_token_stays_valid_when_the_session_switches_organisation()
    {
        var b = await Tenants.CreateAsync(server);
        using var platform = server.Client();
        var username = Tenants.NewUsername("switch");
        await Tenants.CreateUserAsync(platform, username, "analyst");
        await platform.PostAsJsonAsync($"/api/v1/organisations/{b.OrgId}/members", new { username, role = "analyst" }).ExpectAsync(HttpStatusCode.OK);
        using var s = await Session.LoginAsync(server, username, Tenants.Password);

        var alert = new { type = "t", source = "switch", sourceRef = Guid.NewGuid().ToString("N"), title = "in B" };
        var created = await (await s.SendAsync(HttpMethod.Post, "/api/v1/alerts", alert, organisation: b.Name)).ExpectAsync(HttpStatusCode.Created);
        using var clientB = server.Client(b.AdminKey);
        await clientB.GetAsync($"/api/v1/alerts/{created.Id()}").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_api_key_refuses_an_organisation_header_naming_another_organisation()
    {
        // A key is bound to one organisation. A script that names another one must be told, not have its alerts
        // silently land in the key's organisation.
        var b = await Tenants.CreateAsync(server);
        using var platform = server.Client();
        var username = Tenants.NewUsername("keyorg");
        var userId = await Tenants.CreateUserAsync(platform, username, "analyst");
        await platform.PostAsJsonAsync($"/api/v1/organisations/{b.OrgId}/members", new { username, role = "analyst" }).ExpectAsync(HttpStatusCode.OK);
        var key = (await platform.PostAsJsonAsync($"/api/v1/users/{userId}/api-keys", new { name = "svc" }).ExpectAsync(HttpStatusCode.Created)).GetProperty("key").GetString()!;
        using var client = server.Client(key);

        client.DefaultRequestHeaders.Add("X-Organisation", b.Name);
        var refused = await client.PostAsJsonAsync("/api/v1/alerts", new { type = "t", source = "keyorg", sourceRef = Guid.NewGuid().ToString("N"), title = "for B" })
            .ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("X-Organisation", Problem.Detail(refused));
        using var clientB = server.Client(b.AdminKey);
        var inB = await clientB.GetAsync("/api/v1/alerts?source=keyorg").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, inB.GetProperty("items").GetArrayLength());

        client.DefaultRequestHeaders.Remove("X-Organisation");
        client.DefaultRequestHeaders.Add("X-Organisation", "default");
        await client.GetAsync("/api/v1/me").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_password_reset_by_an_admin_ends_the_users_sessions_and_a_change_ends_the_other_ones()
    {
        using var admin = server.Client();
        var username = Tenants.NewUsername("reset");
        var id = await Tenants.CreateUserAsync(admin, username, "analyst");
        using var first = await Session.LoginAsync(server, username, Tenants.Password);
        using var second = await Session.LoginAsync(server, username, Tenants.Password);

        await admin.PatchJsonAsync($"/api/v1/users/{id}", new { password = "reset-by-admin-123" }).ExpectAsync(HttpStatusCode.OK);
        await first.GetAsync("/api/v1/me").ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await second.GetAsync("/api/v1/me").ExpectProblemAsync(HttpStatusCode.Unauthorized);

        using var mine = await Session.LoginAsync(server, username, "reset-by-admin-123");
        using var other = await Session.LoginAsync(server, username, "reset-by-admin-123");
        await (await mine.SendAsync(HttpMethod.Post, "/api/v1/me/password", new { currentPassword = "reset-by-admin-123", newPassword = "changed-by-me-456" }))
            .ExpectAsync(HttpStatusCode.NoContent);
        await mine.MeAsync();
        await other.GetAsync("/api/v1/me").ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Passwords_are_stored_as_pbkdf2_in_the_aspnet_core_v3_format()
    {
        using var admin = server.Client();
        var username = Tenants.NewUsername("hash");
        await Tenants.CreateUserAsync(admin, username, "analyst");
        var stored = await server.Db.ReadAsync(c => c.ExecuteScalarAsync<string>("SELECT password_hash FROM users WHERE username = @username", new { username }));

        Assert.NotNull(stored);
        Assert.DoesNotContain(Tenants.Password, stored);
        var bytes = Convert.FromBase64String(stored!);
        // v3: 0x01 | PRF (uint32 BE) | iterations (uint32 BE) | salt length (uint32 BE) | salt | subkey.
        Assert.Equal(0x01, bytes[0]);
        var prf = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(1));
        var iterations = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(5));
        var saltLength = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(9));
        Assert.Equal(2u, prf); // HMAC-SHA512
        Assert.True(iterations >= 100_000, $"only {iterations} PBKDF2 iterations");
        Assert.Equal(16, saltLength);
        var salt = bytes.AsSpan(13, saltLength).ToArray();
        var subkey = bytes.AsSpan(13 + saltLength).ToArray();
        Assert.Equal(subkey, Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(Tenants.Password), salt, (int)iterations, HashAlgorithmName.SHA512, subkey.Length));
    }

    [Fact]
    public async Task Api_keys_are_stored_only_as_their_hash()
    {
        var key = await server.CreateUserKeyAsync("analyst");
        var rows = await server.Db.ReadAsync(async c => (await c.QueryAsync("SELECT * FROM api_keys")).Cast<IDictionary<string, object?>>().ToList());

        var all = string.Join("\n", rows.SelectMany(r => r.Values).Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.DoesNotContain(key, all);
        Assert.DoesNotContain(TestServer.AdminKey, all);
        Assert.DoesNotContain(key[8..], all);
        var row = Assert.Single(rows, r => (string?)r["key_hash"] == ApiKeys.Hash(key));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))), row["key_hash"]);
        Assert.Equal(key[..8], row["prefix"]);
    }

    [Fact]
    public async Task Key_listings_never_show_the_key()
    {
        var key = await server.CreateUserKeyAsync("analyst");
        using var client = server.Client(key);
        var created = await client.PostAsJsonAsync("/api/v1/me/api-keys", new { name = "second" }).ExpectAsync(HttpStatusCode.Created);
        var listed = await (await client.GetAsync("/api/v1/me/api-keys")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(key, listed);
        Assert.DoesNotContain(created.GetProperty("key").GetString()!, listed);
    }
}

public sealed class CredentialTestsOnSqlite(SqliteServer server) : CredentialTests(server), IClassFixture<SqliteServer>;

public sealed class CredentialTestsOnPostgres(PostgresServer server) : CredentialTests(server), IClassFixture<PostgresServer>;
