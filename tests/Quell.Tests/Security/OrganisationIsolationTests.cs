using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Security;

/// <summary>A user of organisation B never sees, changes or links organisation A's alerts and cases.</summary>
public abstract class OrganisationIsolationTests(TestServer server)
{
    static string Alert(string sourceRef, string ip = "198.51.100.23") => $$"""
        {"type":"siem","source":"isolation","sourceRef":"{{sourceRef}}","title":"Org A secret {{sourceRef}}","severity":2,
         "observables":[{"dataType":"ip","data":"{{ip}}"},{"dataType":"domain","data":"shared.example"}]}
        """;

    /// <summary>Org A (default) has an alert, a promoted case and a second alert; org B exists with its admin.</summary>
    async Task<(long AlertId, long OtherAlertId, long CaseId, long CaseNumber, Tenant B)> ArrangeAsync()
    {
        using var a = server.Client();
        var alert = await a.PostJsonAsync("/api/v1/alerts", Alert(Guid.NewGuid().ToString("N"))).ExpectAsync(HttpStatusCode.Created);
        var other = await a.PostJsonAsync("/api/v1/alerts", Alert(Guid.NewGuid().ToString("N"))).ExpectAsync(HttpStatusCode.Created);
        var promoted = await a.PostAsync($"/api/v1/alerts/{alert.Id()}/case", null).ExpectAsync(HttpStatusCode.Created);
        var b = await Tenants.CreateAsync(server);
        return (alert.Id(), other.Id(), promoted.Id(), promoted.GetProperty("number").GetInt64(), b);
    }

    [Fact]
    public async Task Another_organisations_alerts_and_cases_are_not_found()
    {
        var (alertId, otherId, caseId, number, b) = await ArrangeAsync();
        using var client = server.Client(b.AdminKey);

        await client.GetAsync($"/api/v1/alerts/{alertId}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await client.GetAsync($"/api/v1/alerts/{alertId}/similar").ExpectProblemAsync(HttpStatusCode.NotFound);
        await client.GetAsync($"/api/v1/cases/{caseId}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await client.GetAsync($"/api/v1/cases/number/{number}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await client.PatchJsonAsync($"/api/v1/cases/{caseId}", new { title = "taken over" }).ExpectProblemAsync(HttpStatusCode.NotFound);
        await client.PostAsync($"/api/v1/alerts/{otherId}/case", null).ExpectProblemAsync(HttpStatusCode.NotFound);
        await client.PostAsync($"/api/v1/alerts/{otherId}/merge/{caseId}", null).ExpectProblemAsync(HttpStatusCode.NotFound);
        foreach (var flag in new[] { "read", "unread", "ignore", "unignore" })
            await client.PostAsync($"/api/v1/alerts/{otherId}/{flag}", null).ExpectProblemAsync(HttpStatusCode.NotFound);

        using var a = server.Client();
        var stillA = await a.GetAsync($"/api/v1/cases/{caseId}").ExpectAsync(HttpStatusCode.OK);
        Assert.NotEqual("taken over", stillA.GetProperty("title").GetString());
        var otherAlert = await a.GetAsync($"/api/v1/alerts/{otherId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, otherAlert.GetProperty("caseId").ValueKind);
        Assert.Equal("new", otherAlert.GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_alert_of_one_organisation_cannot_be_merged_into_a_case_of_another()
    {
        var (_, _, caseId, _, b) = await ArrangeAsync();
        using var client = server.Client(b.AdminKey);
        var own = await client.PostJsonAsync("/api/v1/alerts", Alert(Guid.NewGuid().ToString("N"))).ExpectAsync(HttpStatusCode.Created);

        await client.PostAsync($"/api/v1/alerts/{own.Id()}/merge/{caseId}", null).ExpectProblemAsync(HttpStatusCode.NotFound);

        using var a = server.Client();
        var caseA = await a.GetAsync($"/api/v1/cases/{caseId}").ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(caseA.GetProperty("alerts").EnumerateArray(), x => x.Id() == own.Id());
    }

    [Fact]
    public async Task Lists_and_similar_alerts_never_show_another_organisations_rows()
    {
        var (_, _, _, _, b) = await ArrangeAsync();
        using var client = server.Client(b.AdminKey);
        // B's alert shares every observable with A's alerts and case: similarity must still stay inside B.
        var own = await client.PostJsonAsync("/api/v1/alerts", Alert(Guid.NewGuid().ToString("N"))).ExpectAsync(HttpStatusCode.Created);

        var alerts = await client.GetAsync("/api/v1/alerts?limit=500").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([own.Id()], alerts.GetProperty("items").EnumerateArray().Select(x => x.Id()).ToArray());
        var byObservable = await client.GetAsync("/api/v1/alerts?observable=198.51.100.23").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([own.Id()], byObservable.GetProperty("items").EnumerateArray().Select(x => x.Id()).ToArray());
        var cases = await client.GetAsync("/api/v1/cases?limit=500").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, cases.GetProperty("items").GetArrayLength());
        var casesByObservable = await client.GetAsync("/api/v1/cases?observable=shared.example").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, casesByObservable.GetProperty("items").GetArrayLength());
        var similar = await client.GetAsync($"/api/v1/alerts/{own.Id()}/similar").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, similar.GetProperty("alerts").GetArrayLength());
        Assert.Equal(0, similar.GetProperty("cases").GetArrayLength());

        var users = await client.GetAsync("/api/v1/users").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([b.AdminUsername], users.EnumerateArray().Select(u => u.GetProperty("username").GetString()!).ToArray());
        var audit = await client.GetAsync("/api/v1/audit?limit=1000").ExpectAsync(HttpStatusCode.OK);
        Assert.All(audit.GetProperty("items").EnumerateArray(), e => Assert.Equal(b.OrgId, e.GetProperty("orgId").GetInt64()));
    }

    [Fact]
    public async Task The_same_source_reference_in_two_organisations_makes_two_alerts()
    {
        var b = await Tenants.CreateAsync(server);
        var sourceRef = Guid.NewGuid().ToString("N");
        using var a = server.Client();
        using var clientB = server.Client(b.AdminKey);

        var inA = await a.PostJsonAsync("/api/v1/alerts", Alert(sourceRef)).ExpectAsync(HttpStatusCode.Created);
        var inB = await clientB.PostJsonAsync("/api/v1/alerts", Alert(sourceRef, "192.0.2.99")).ExpectAsync(HttpStatusCode.Created);
        var againInB = await clientB.PostJsonAsync("/api/v1/alerts", Alert(sourceRef, "192.0.2.100")).ExpectAsync(HttpStatusCode.OK);

        Assert.NotEqual(inA.Id(), inB.Id());
        Assert.Equal(inB.Id(), againInB.Id());
        var fromA = await a.GetAsync($"/api/v1/alerts/{inA.Id()}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["198.51.100.23", "shared.example"], fromA.GetProperty("observables").EnumerateArray().Select(o => o.GetProperty("data").GetString()!).ToArray());
    }

    [Fact]
    public async Task An_organisation_admin_cannot_take_over_a_platform_administrator_who_joined_their_organisation()
    {
        var b = await Tenants.CreateAsync(server);
        using var platform = server.Client();
        // The platform administrator joins B (to help them, say) as a read-only member.
        var me = await platform.GetAsync("/api/v1/me").ExpectAsync(HttpStatusCode.OK);
        var platformUserId = me.Id();
        await platform.PostAsJsonAsync($"/api/v1/organisations/{b.OrgId}/members", new { username = "admin", role = "read-only" }).ExpectAsync(HttpStatusCode.OK);
        using var clientB = server.Client(b.AdminKey);

        // Resetting the password or minting an API key would hand B's admin the platform administrator's powers.
        await clientB.PatchJsonAsync($"/api/v1/users/{platformUserId}", new { password = "stolen-password-123" }).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await clientB.PatchJsonAsync($"/api/v1/users/{platformUserId}", new { disabled = true }).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await clientB.PostAsJsonAsync($"/api/v1/users/{platformUserId}/api-keys", new { name = "mine now" }).ExpectProblemAsync(HttpStatusCode.Forbidden);

        using (var session = Session.Anonymous(server))
            await (await session.PostLoginAsync("admin", "stolen-password-123")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await platform.GetAsync("/api/v1/me").ExpectAsync(HttpStatusCode.OK);
        // The role inside B stays B's business.
        await clientB.PatchJsonAsync($"/api/v1/users/{platformUserId}", new { role = "analyst" }).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_organisation_admin_cannot_reset_the_password_of_a_user_who_also_belongs_elsewhere()
    {
        var b = await Tenants.CreateAsync(server);
        using var platform = server.Client();
        var username = Tenants.NewUsername("shared");
        var userId = await Tenants.CreateUserAsync(platform, username, "admin");
        await platform.PostAsJsonAsync($"/api/v1/organisations/{b.OrgId}/members", new { username, role = "analyst" }).ExpectAsync(HttpStatusCode.OK);
        using var clientB = server.Client(b.AdminKey);

        // The password opens the default organisation too, where B's admin has no say.
        await clientB.PatchJsonAsync($"/api/v1/users/{userId}", new { password = "stolen-password-123" }).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await clientB.PatchJsonAsync($"/api/v1/users/{userId}", new { disabled = true }).ExpectProblemAsync(HttpStatusCode.Forbidden);
        using var session = await Session.LoginAsync(server, username, Tenants.Password);

        // B's admin still manages B's own users fully.
        var ownId = await Tenants.CreateUserAsync(clientB, Tenants.NewUsername("own"), "analyst");
        await clientB.PatchJsonAsync($"/api/v1/users/{ownId}", new { password = "a-new-password-123", disabled = true }).ExpectAsync(HttpStatusCode.OK);
    }
}

public sealed class OrganisationIsolationTestsOnSqlite(SqliteServer server) : OrganisationIsolationTests(server), IClassFixture<SqliteServer>;

public sealed class OrganisationIsolationTestsOnPostgres(PostgresServer server) : OrganisationIsolationTests(server), IClassFixture<PostgresServer>;
