using System.Net;
using Quell.Tests.Support;

namespace Quell.Tests.Alerts;

public abstract class PromoteWithTemplateTests(TestServer server)
{
    [Fact]
    public async Task Promoting_with_a_stricter_template_keeps_the_template_tlp_and_pap()
    {
        using var client = server.Client();
        var template = "red-" + Guid.NewGuid().ToString("N")[..8];
        await client.PostJsonAsync("/api/v1/case-templates", $$"""{"name":"{{template}}","tlp":"RED","pap":"AMBER"}""").ExpectAsync(HttpStatusCode.Created);
        var alert = await client.PostJsonAsync("/api/v1/alerts",
            $$"""{"type":"t","source":"s","sourceRef":"{{Guid.NewGuid():N}}","title":"x","tlp":"GREEN","pap":"RED"}""").ExpectAsync(HttpStatusCode.Created);

        var created = await client.PostJsonAsync($"/api/v1/alerts/{alert.Id()}/case", $$"""{"caseTemplate":"{{template}}"}""").ExpectAsync(HttpStatusCode.Created);

        var @case = await client.GetCaseAsync(created.Id());
        Assert.Equal("RED", @case.Str("tlp"));
        Assert.Equal("RED", @case.Str("pap"));
    }
}

public sealed class PromoteWithTemplateTestsOnSqlite(SqliteServer server) : PromoteWithTemplateTests(server), IClassFixture<SqliteServer>;

public sealed class PromoteWithTemplateTestsOnPostgres(PostgresServer server) : PromoteWithTemplateTests(server), IClassFixture<PostgresServer>;
