using System.Net;
using System.Net.Http.Json;
using Dapper;
using Quell.Audit;
using Quell.Tests.Support;

namespace Quell.Tests.Audit;

/// <summary>Every mutation made through the API leaves exactly the audit entry that describes it.</summary>
public abstract class AuditTrailTests(TestServer server)
{
    async Task<long> LastIdAsync() =>
        await server.Db.ReadAsync(c => c.ExecuteScalarAsync<long?>("SELECT MAX(id) FROM audit_log")) ?? 0;

    async Task<List<AuditRow>> SinceAsync(long id) =>
        await server.Db.ReadAsync(async c => (await c.QueryAsync<AuditRow>($"SELECT {AuditRow.Columns} FROM audit_log WHERE id > @id ORDER BY id", new { id })).AsList());

    /// <summary>Runs one mutation and asserts it left the given audit entries (action, entity type, entity id) and no others.</summary>
    async Task ExpectAuditedAsync(string what, Func<Task<string>> mutation, params (string Action, string EntityType)[] expected)
    {
        var before = await LastIdAsync();
        var entityId = await mutation();
        var rows = await SinceAsync(before);
        Assert.True(rows.Count == expected.Length,
            $"{what}: expected {expected.Length} audit entries, found {rows.Count}: {string.Join(", ", rows.Select(r => r.Action))}");
        // A bulk post writes its alerts in (source, sourceRef) order, not request order: compare entries as a set.
        Assert.Equal(expected.Select(e => $"{e.Action} {e.EntityType}").Order(), rows.Select(r => $"{r.Action} {r.EntityType}").Order());
        Assert.All(rows, r => Assert.False(string.IsNullOrEmpty(r.Actor), $"{what}: audit entry without actor"));
        if (entityId.Length > 0)
            Assert.Contains(rows, r => r.EntityId == entityId);
    }

    static string Id(System.Text.Json.JsonElement e) => e.Id().ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Every_mutation_through_the_api_leaves_its_audit_entry()
    {
        using var admin = server.Client();
        var sourceRef = Guid.NewGuid().ToString("N");
        var alertJson = $$"""{"type":"t","source":"audit","sourceRef":"{{sourceRef}}","title":"Audited","observables":[{"dataType":"ip","data":"192.0.2.1"}]}""";
        var alertId = "";
        await ExpectAuditedAsync("alert create", async () => alertId = Id(await admin.PostJsonAsync("/api/v1/alerts", alertJson).ExpectAsync(HttpStatusCode.Created)),
            ("alert.create", "alert"));
        await ExpectAuditedAsync("alert update", async () => Id(await admin.PostJsonAsync("/api/v1/alerts", alertJson.Replace("Audited", "Audited again")).ExpectAsync(HttpStatusCode.OK)),
            ("alert.update", "alert"));
        var second = Guid.NewGuid().ToString("N");
        await ExpectAuditedAsync("bulk", async () =>
        {
            await admin.PostJsonAsync("/api/v1/alerts/_bulk", $$"""[{"type":"t","source":"audit","sourceRef":"{{second}}","title":"b1"},{"type":"t","source":"audit","sourceRef":"{{sourceRef}}","title":"b2"}]""").ExpectAsync(HttpStatusCode.OK);
            return alertId;
        }, ("alert.create", "alert"), ("alert.update", "alert"));
        foreach (var flag in new[] { "read", "unread", "ignore", "unignore" })
            await ExpectAuditedAsync("flag " + flag, async () => Id(await admin.PostAsync($"/api/v1/alerts/{alertId}/{flag}", null).ExpectAsync(HttpStatusCode.OK)),
                ("alert." + flag, "alert"));

        var caseId = "";
        await ExpectAuditedAsync("promote", async () => caseId = Id(await admin.PostAsync($"/api/v1/alerts/{alertId}/case", null).ExpectAsync(HttpStatusCode.Created)),
            ("case.create", "case"));
        var other = await admin.PostJsonAsync("/api/v1/alerts", alertJson.Replace(sourceRef, second + "x")).ExpectAsync(HttpStatusCode.Created);
        await ExpectAuditedAsync("merge", async () =>
        {
            await admin.PostAsync($"/api/v1/alerts/{other.Id()}/merge/{caseId}", null).ExpectAsync(HttpStatusCode.OK);
            return Id(other);
        }, ("alert.merge", "alert"));
        await ExpectAuditedAsync("case create", async () => Id(await admin.PostAsJsonAsync("/api/v1/cases", new { title = "by hand" }).ExpectAsync(HttpStatusCode.Created)),
            ("case.create", "case"));
        await ExpectAuditedAsync("case patch", async () => Id(await admin.PatchJsonAsync($"/api/v1/cases/{caseId}", new { severity = 4, status = "in-progress" }).ExpectAsync(HttpStatusCode.OK)),
            ("case.update", "case"));

        var userId = "";
        await ExpectAuditedAsync("user create", async () => userId = Id(await admin.PostAsJsonAsync("/api/v1/users", new { username = Tenants.NewUsername(), role = "analyst", password = Tenants.Password }).ExpectAsync(HttpStatusCode.Created)),
            ("user.create", "user"));
        await ExpectAuditedAsync("user update", async () => Id(await admin.PatchJsonAsync($"/api/v1/users/{userId}", new { role = "approver" }).ExpectAsync(HttpStatusCode.OK)),
            ("user.update", "user"));
        await ExpectAuditedAsync("user key", async () => Id(await admin.PostAsJsonAsync($"/api/v1/users/{userId}/api-keys", new { name = "svc" }).ExpectAsync(HttpStatusCode.Created)),
            ("apikey.create", "apikey"));
        var ownKey = "";
        await ExpectAuditedAsync("own key", async () => ownKey = Id(await admin.PostAsJsonAsync("/api/v1/me/api-keys", new { name = "mine" }).ExpectAsync(HttpStatusCode.Created)),
            ("apikey.create", "apikey"));
        await ExpectAuditedAsync("revoke key", async () =>
        {
            await (await admin.DeleteAsync($"/api/v1/me/api-keys/{ownKey}")).ExpectAsync(HttpStatusCode.NoContent);
            return ownKey;
        }, ("apikey.revoke", "apikey"));
        await ExpectAuditedAsync("user remove", async () =>
        {
            await (await admin.DeleteAsync($"/api/v1/users/{userId}")).ExpectAsync(HttpStatusCode.NoContent);
            return userId;
        }, ("user.remove", "user"));
        var orgId = "";
        await ExpectAuditedAsync("organisation", async () => orgId = Id(await admin.PostAsJsonAsync("/api/v1/organisations", new { name = Tenants.NewUsername("org") }).ExpectAsync(HttpStatusCode.Created)),
            ("organisation.create", "organisation"));
        await ExpectAuditedAsync("membership", async () => Id(await admin.PostAsJsonAsync($"/api/v1/organisations/{orgId}/members", new { username = "admin", role = "analyst" }).ExpectAsync(HttpStatusCode.OK)),
            ("membership.set", "user"));

        using var user = server.Client(await server.CreateUserKeyAsync("analyst"));
        await ExpectAuditedAsync("own password", async () =>
        {
            await user.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = "user-password-123", newPassword = "another-password-456" }).ExpectAsync(HttpStatusCode.NoContent);
            return "";
        }, ("user.password", "user"));
    }

    [Fact]
    public async Task Rejected_requests_leave_no_audit_entry()
    {
        using var admin = server.Client();
        var before = await LastIdAsync();
        await admin.PostJsonAsync("/api/v1/alerts", """{"type":"t","source":"audit","sourceRef":"x","title":"t","severity":9}""").ExpectProblemAsync(HttpStatusCode.BadRequest);
        await admin.PatchJsonAsync("/api/v1/cases/999999", new { title = "nobody" }).ExpectProblemAsync(HttpStatusCode.NotFound);
        await admin.PostAsJsonAsync("/api/v1/users", new { username = "admin", role = "analyst" }).ExpectProblemAsync(HttpStatusCode.Conflict);
        using var readOnly = server.Client(await server.CreateUserKeyAsync("read-only"));
        var afterSetup = await LastIdAsync();
        await readOnly.PostJsonAsync("/api/v1/alerts", """{"type":"t","source":"audit","sourceRef":"y","title":"t"}""").ExpectProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal(afterSetup, await LastIdAsync());
        Assert.Equal(["user.create", "apikey.create"], (await SinceAsync(before)).Select(r => r.Action).ToArray());
    }

    [Fact]
    public async Task The_audit_list_is_the_callers_organisation_newest_first_and_pages()
    {
        using var admin = server.Client();
        for (var i = 0; i < 5; i++)
            await admin.PostJsonAsync("/api/v1/alerts", $$"""{"type":"t","source":"audit-list","sourceRef":"{{Guid.NewGuid():N}}","title":"t"}""").ExpectAsync(HttpStatusCode.Created);
        var first = await admin.GetAsync("/api/v1/audit?limit=3").ExpectAsync(HttpStatusCode.OK);
        var ids = first.GetProperty("items").EnumerateArray().Select(e => e.Id()).ToList();
        Assert.Equal(ids.OrderByDescending(x => x), ids);
        var next = first.GetProperty("next").GetInt64();
        var second = await admin.GetAsync($"/api/v1/audit?limit=3&before={next}").ExpectAsync(HttpStatusCode.OK);
        Assert.All(second.GetProperty("items").EnumerateArray(), e => Assert.True(e.Id() < ids.Min()));
    }
}

public sealed class AuditTrailTestsOnSqlite(SqliteServer server) : AuditTrailTests(server), IClassFixture<SqliteServer>;

public sealed class AuditTrailTestsOnPostgres(PostgresServer server) : AuditTrailTests(server), IClassFixture<PostgresServer>;
