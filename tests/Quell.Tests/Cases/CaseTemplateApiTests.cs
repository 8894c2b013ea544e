using System.Net;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Cases;

public abstract class CaseTemplateApiTests(TestServer server)
{
    static string UniqueName(string prefix) => prefix + " " + Guid.NewGuid().ToString("N")[..6];

    static string Template(string name) => $$$"""
        {"name":"{{{name}}}","titlePrefix":"[PHISH]","description":"Reported phishing mail","severity":3,"tlp":"RED","pap":"GREEN",
         "tags":["phishing"],"tasks":[{"title":"Check sender authentication","group":"triage"},{"title":"Purge the mail"}],
         "customFields":{"businessUnit":"unknown","reporter":null}}
        """;

    [Fact]
    public async Task Created_template_is_listed_read_changed_and_deleted()
    {
        using var client = server.Client();
        var name = UniqueName("Phishing");

        var created = await client.PostJsonAsync("/api/v1/case-templates", Template(name)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("[PHISH]", created.Str("titlePrefix"));
        Assert.Equal("RED", created.Str("tlp"));
        Assert.Equal("GREEN", created.Str("pap"));
        Assert.Equal(["Check sender authentication", "Purge the mail"], created.GetProperty("tasks").EnumerateArray().Select(t => t.Str("title")));
        Assert.Equal("default", created.GetProperty("tasks")[1].Str("group"));
        Assert.Equal("unknown", created.GetProperty("customFields").Str("businessUnit"));
        var id = created.Id();

        var list = await client.GetAsync("/api/v1/case-templates").ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(list.GetProperty("items").EnumerateArray(), t => t.Id() == id && t.Str("name") == name);

        var renamed = UniqueName("Phishing v2");
        var changed = await client.PatchJsonAsync($"/api/v1/case-templates/{id}", new { name = renamed, severity = (int?)null, tasks = new[] { new { title = "Only task" } } })
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(renamed, changed.Str("name"));
        Assert.Equal(JsonValueKind.Null, changed.GetProperty("severity").ValueKind);
        Assert.Equal("RED", changed.Str("tlp"));
        Assert.Equal(["Only task"], changed.GetProperty("tasks").EnumerateArray().Select(t => t.Str("title")));
        Assert.Equal(renamed, (await client.GetAsync($"/api/v1/case-templates/{id}").ExpectAsync(HttpStatusCode.OK)).Str("name"));

        await client.DeleteAsync($"/api/v1/case-templates/{id}").ExpectAsync(HttpStatusCode.NoContent);
        await client.GetAsync($"/api/v1/case-templates/{id}").ExpectAsync(HttpStatusCode.NotFound);
        await client.DeleteAsync($"/api/v1/case-templates/{id}").ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_duplicate_template_name_is_a_conflict_on_create_and_on_rename()
    {
        using var client = server.Client();
        var name = UniqueName("Malware");
        var other = UniqueName("Ransomware");
        await client.PostJsonAsync("/api/v1/case-templates", Template(name)).ExpectAsync(HttpStatusCode.Created);
        var otherId = (await client.PostJsonAsync("/api/v1/case-templates", Template(other)).ExpectAsync(HttpStatusCode.Created)).Id();

        var problem = await client.PostJsonAsync("/api/v1/case-templates", Template(name)).ExpectAsync(HttpStatusCode.Conflict);
        Assert.Contains($"'{name}' already exists", problem.Str("detail"));
        await client.PatchJsonAsync($"/api/v1/case-templates/{otherId}", new { name }).ExpectAsync(HttpStatusCode.Conflict);
        await client.PatchJsonAsync($"/api/v1/case-templates/{otherId}", new { name = other, description = "same name is fine" }).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Bad_template_fields_are_named()
    {
        using var client = server.Client();

        var problem = await client.PostJsonAsync("/api/v1/case-templates",
            """{"severity":7,"tlp":"PURPLE","tasks":[{"group":"x"},"task"],"customFields":[1],"tags":"a"}""").ExpectAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["customFields", "name", "severity", "tags", "tasks[0].title", "tasks[1]", "tlp"], problem.ErrorFields().Order(StringComparer.Ordinal));
        var id = (await client.PostJsonAsync("/api/v1/case-templates", Template(UniqueName("Valid"))).ExpectAsync(HttpStatusCode.Created)).Id();
        var empty = await client.PatchJsonAsync($"/api/v1/case-templates/{id}", new { }).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["body"], empty.ErrorFields());
        await client.PatchJsonAsync("/api/v1/case-templates/999999", new { description = "x" }).ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Only_template_managers_change_templates_and_analysts_read_them()
    {
        using var admin = server.Client();
        var id = (await admin.PostJsonAsync("/api/v1/case-templates", Template(UniqueName("Shared"))).ExpectAsync(HttpStatusCode.Created)).Id();
        using var analyst = server.Client(await server.CreateUserKeyAsync("analyst"));

        await analyst.GetAsync($"/api/v1/case-templates/{id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostJsonAsync("/api/v1/case-templates", Template(UniqueName("Mine")))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PatchJsonAsync($"/api/v1/case-templates/{id}", new { description = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.DeleteAsync($"/api/v1/case-templates/{id}")).StatusCode);
    }

    [Fact]
    public async Task Templates_of_another_organisation_are_not_found_or_used()
    {
        using var client = server.Client();
        var name = UniqueName("Insider");
        var id = (await client.PostJsonAsync("/api/v1/case-templates", Template(name)).ExpectAsync(HttpStatusCode.Created)).Id();
        using var other = server.Client(await server.CreateOtherOrganisationKeyAsync());

        await other.GetAsync($"/api/v1/case-templates/{id}").ExpectAsync(HttpStatusCode.NotFound);
        await other.PatchJsonAsync($"/api/v1/case-templates/{id}", new { description = "x" }).ExpectAsync(HttpStatusCode.NotFound);
        await other.DeleteAsync($"/api/v1/case-templates/{id}").ExpectAsync(HttpStatusCode.NotFound);
        Assert.Equal(0, (await other.GetAsync("/api/v1/case-templates").ExpectAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
        var problem = await other.PostJsonAsync("/api/v1/cases", $$"""{"title":"x","caseTemplate":"{{name}}"}""").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["caseTemplate"], problem.ErrorFields());
        // The same name is free in another organisation.
        await other.PostJsonAsync("/api/v1/case-templates", Template(name)).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_case_created_with_a_template_gets_its_prefix_defaults_tags_tasks_and_fields()
    {
        using var client = server.Client();
        var name = UniqueName("Phishing");
        await client.PostJsonAsync("/api/v1/case-templates", Template(name)).ExpectAsync(HttpStatusCode.Created);

        var created = await client.CreateCaseAsync("Invoice lure", "\"caseTemplate\":" + JsonSerializer.Serialize(name) + ",\"tags\":[\"finance\"],\"customFields\":{\"reporter\":\"alice\"},\"tasks\":[{\"title\":\"Own task\"}]");

        Assert.Equal("[PHISH] Invoice lure", created.Str("title"));
        Assert.Equal("Reported phishing mail", created.Str("description"));
        Assert.Equal(3, created.GetProperty("severity").GetInt32());
        Assert.Equal("RED", created.Str("tlp"));
        Assert.Equal(["phishing", "finance"], created.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(["Check sender authentication", "Purge the mail", "Own task"], created.GetProperty("tasks").EnumerateArray().Select(t => t.Str("title")));
        Assert.Equal("alice", created.GetProperty("customFields").Str("reporter"));
        Assert.Equal("unknown", created.GetProperty("customFields").Str("businessUnit"));
    }

    [Fact]
    public async Task Promoting_an_alert_with_a_template_applies_the_template()
    {
        using var client = server.Client();
        var name = UniqueName("Phishing");
        await client.PostJsonAsync("/api/v1/case-templates", Template(name)).ExpectAsync(HttpStatusCode.Created);
        var alert = await client.PostJsonAsync("/api/v1/alerts", $$"""
            {"type":"mail","source":"mailbox","sourceRef":"{{Guid.NewGuid():N}}","title":"Reported: Invoice","severity":2,"tlp":"GREEN",
             "date":"2030-01-01T10:00:00Z","observables":[{"dataType":"mail","data":"ceo@evil.example"}]}
            """).ExpectAsync(HttpStatusCode.Created);

        var promoted = await client.PostJsonAsync($"/api/v1/alerts/{alert.Id()}/case", $$"""{"caseTemplate":"{{name}}"}""").ExpectAsync(HttpStatusCode.Created);

        var created = await client.GetCaseAsync(promoted.Id());
        Assert.Equal("[PHISH] Reported: Invoice", created.Str("title"));
        Assert.Equal(["Check sender authentication", "Purge the mail"], created.GetProperty("tasks").EnumerateArray().Select(t => t.Str("title")));
        Assert.Equal(["ceo@evil.example"], created.GetProperty("observables").EnumerateArray().Select(o => o.Str("data")));
        Assert.Equal(alert.Id(), Assert.Single(created.GetProperty("alerts").EnumerateArray()).Id());
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 10, 0, 0, TimeSpan.Zero), created.GetProperty("detectedAt").GetDateTimeOffset());
        var unknown = await client.PostJsonAsync($"/api/v1/alerts/{alert.Id()}/case", """{"caseTemplate":"nope"}""").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["caseTemplate"], unknown.ErrorFields());
    }
}

public sealed class CaseTemplateApiTestsOnSqlite(SqliteServer server) : CaseTemplateApiTests(server), IClassFixture<SqliteServer>;

public sealed class CaseTemplateApiTestsOnPostgres(PostgresServer server) : CaseTemplateApiTests(server), IClassFixture<PostgresServer>;
