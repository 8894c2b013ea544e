using System.Net;
using Quell.Cases;
using Quell.Tests.Support;

namespace Quell.Tests.Cases;

public abstract class CaseApiTests(TestServer server)
{
    [Fact]
    public async Task Patch_with_a_stale_version_is_a_conflict_and_changes_nothing()
    {
        using var client = server.Client();
        var created = await client.CreateCaseAsync("Beaconing host");
        var id = created.Id();
        Assert.Equal(1, created.GetProperty("version").GetInt32());

        var first = await client.PatchJsonAsync($"/api/v1/cases/{id}", new { severity = 3, version = 1 }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, first.GetProperty("version").GetInt32());
        var problem = await client.PatchJsonAsync($"/api/v1/cases/{id}", new { title = "Someone else's edit", version = 1 }).ExpectAsync(HttpStatusCode.Conflict);

        Assert.Contains("version 2, you sent 1", problem.Str("detail"));
        var now = await client.GetCaseAsync(id);
        Assert.Equal("Beaconing host", now.Str("title"));
        Assert.Equal(2, now.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Resolving_without_a_resolution_is_rejected_naming_the_field()
    {
        using var client = server.Client();
        var id = (await client.CreateCaseAsync("Unresolved")).Id();

        var problem = await client.PatchJsonAsync($"/api/v1/cases/{id}", new { status = "resolved" }).ExpectAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["resolution"], problem.ErrorFields());
        var now = await client.GetCaseAsync(id);
        Assert.Equal("new", now.Str("status"));
        Assert.Empty(await client.TimelineAsync(id, CaseTimelineKind.Status));
    }

    [Fact]
    public async Task Resolving_with_a_resolution_sets_resolved_at_and_notes_the_timeline()
    {
        using var client = server.Client();
        var id = (await client.CreateCaseAsync("Benign scan")).Id();

        var resolved = await client.PatchJsonAsync($"/api/v1/cases/{id}", new { status = "resolved", resolution = "benign" }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("benign", resolved.Str("resolution"));
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, resolved.GetProperty("resolvedAt").ValueKind);
        var status = Assert.Single(await client.TimelineAsync(id, CaseTimelineKind.Status));
        Assert.Equal("Status new → resolved (benign)", status.Str("message"));
    }

    [Fact]
    public async Task Unknown_status_is_rejected_naming_the_field()
    {
        using var client = server.Client();
        var id = (await client.CreateCaseAsync()).Id();

        var problem = await client.PatchJsonAsync($"/api/v1/cases/{id}", new { status = "closed" }).ExpectAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["status"], problem.ErrorFields());
    }

    [Fact]
    public async Task Timeline_lists_entries_oldest_first_in_pages()
    {
        using var client = server.Client();
        var id = (await client.CreateCaseAsync("Paged history")).Id();
        await client.PatchJsonAsync($"/api/v1/cases/{id}", new { severity = 4 }).ExpectAsync(HttpStatusCode.OK);
        await client.PatchJsonAsync($"/api/v1/cases/{id}", new { status = "in-progress" }).ExpectAsync(HttpStatusCode.OK);

        var first = await client.GetAsync($"/api/v1/cases/{id}/timeline?limit=2").ExpectAsync(HttpStatusCode.OK);
        var next = first.Str("next");
        var second = await client.GetAsync($"/api/v1/cases/{id}/timeline?limit=2&cursor={next}").ExpectAsync(HttpStatusCode.OK);

        var kinds = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(e => e.Str("kind")).ToList();
        Assert.Equal([CaseTimelineKind.Created, CaseTimelineKind.Severity, CaseTimelineKind.Status], kinds);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, second.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task Timeline_rejects_a_malformed_cursor_and_unknown_cases()
    {
        using var client = server.Client();
        var id = (await client.CreateCaseAsync()).Id();

        var problem = await client.GetAsync($"/api/v1/cases/{id}/timeline?cursor=not-a-cursor").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["cursor"], problem.ErrorFields());
        await client.GetAsync("/api/v1/cases/999999/timeline").ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Case_list_filters_by_several_statuses_and_severities()
    {
        using var client = server.Client();
        var tag = "batch-" + Guid.NewGuid().ToString("N")[..8];
        var low = (await client.CreateCaseAsync("low", $"\"severity\":1,\"tags\":[\"{tag}\"]")).Id();
        var high = (await client.CreateCaseAsync("high", $"\"severity\":3,\"tags\":[\"{tag}\"]")).Id();
        var critical = (await client.CreateCaseAsync("critical", $"\"severity\":4,\"tags\":[\"{tag}\"]")).Id();
        var done = (await client.CreateCaseAsync("done", $"\"severity\":4,\"tags\":[\"{tag}\"]")).Id();
        await client.PatchJsonAsync($"/api/v1/cases/{critical}", new { status = "in-progress" }).ExpectAsync(HttpStatusCode.OK);
        await client.PatchJsonAsync($"/api/v1/cases/{done}", new { status = "resolved", resolution = "benign" }).ExpectAsync(HttpStatusCode.OK);

        var page = await client.GetAsync($"/api/v1/cases?tag={tag}&status=new,in-progress&severity=3,4").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal([critical, high], page.GetProperty("items").EnumerateArray().Select(c => c.Id()));
        Assert.DoesNotContain(low, page.GetProperty("items").EnumerateArray().Select(c => c.Id()));
    }

    [Fact]
    public async Task Every_case_write_is_audited_and_the_chain_stays_valid()
    {
        using var client = server.Client();
        var template = (await client.PostJsonAsync("/api/v1/case-templates", $$"""{"name":"Audit {{Guid.NewGuid():N}}","tasks":[{"title":"t"}]}""")
            .ExpectAsync(HttpStatusCode.Created)).Id();
        var templateName = (await client.GetAsync($"/api/v1/case-templates/{template}").ExpectAsync(HttpStatusCode.OK)).Str("name");
        var target = (await client.CreateCaseAsync("target")).Id();
        var source = (await client.CreateCaseAsync("source")).Id();
        var task = (await client.PostJsonAsync($"/api/v1/cases/{target}/tasks", """{"title":"t"}""").ExpectAsync(HttpStatusCode.Created)).Id();
        await client.PostJsonAsync($"/api/v1/cases/{target}/tasks/from-template", $$"""{"template":"{{templateName}}"}""").ExpectAsync(HttpStatusCode.Created);
        await client.PatchJsonAsync($"/api/v1/tasks/{task}", new { status = "completed" }).ExpectAsync(HttpStatusCode.OK);
        await client.PostJsonAsync($"/api/v1/tasks/{task}/logs", """{"message":"m"}""").ExpectAsync(HttpStatusCode.Created);
        await client.PostJsonAsync($"/api/v1/cases/{target}/comments", """{"message":"m"}""").ExpectAsync(HttpStatusCode.Created);
        var observable = (await client.PostJsonAsync($"/api/v1/cases/{target}/observables", """{"dataType":"ip","data":"192.0.2.44"}""")
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("added")[0].Id();
        await client.PatchJsonAsync($"/api/v1/cases/{target}/observables/{observable}", new { ioc = true }).ExpectAsync(HttpStatusCode.OK);
        await client.DeleteAsync($"/api/v1/cases/{target}/observables/{observable}").ExpectAsync(HttpStatusCode.NoContent);
        await client.PostAsync($"/api/v1/cases/{target}/merge/{source}", null).ExpectAsync(HttpStatusCode.OK);
        await client.PatchJsonAsync($"/api/v1/case-templates/{template}", new { description = "d" }).ExpectAsync(HttpStatusCode.OK);
        await client.DeleteAsync($"/api/v1/case-templates/{template}").ExpectAsync(HttpStatusCode.NoContent);

        var audit = await client.GetAsync("/api/v1/audit?limit=1000").ExpectAsync(HttpStatusCode.OK);
        var entries = audit.GetProperty("items").EnumerateArray()
            .Select(e => (Type: e.Str("entityType"), Id: e.Str("entityId"), Action: e.Str("action"))).ToHashSet();
        (string, long, string)[] expected =
        [
            ("casetemplate", template, "casetemplate.create"), ("casetemplate", template, "casetemplate.update"), ("casetemplate", template, "casetemplate.delete"),
            ("case", target, "case.create"), ("task", task, "task.create"), ("case", target, "task.create-from-template"), ("task", task, "task.update"),
            ("task", task, "task.log"), ("case", target, "comment.create"), ("case", target, "observable.add"),
            ("observable", observable, "observable.update"), ("observable", observable, "observable.delete"),
            ("case", target, "case.merge"), ("case", source, "case.merged-into"),
        ];
        foreach (var (type, id, action) in expected)
            Assert.True(entries.Contains((type, id.ToString(System.Globalization.CultureInfo.InvariantCulture), action)), $"no audit entry {action} for {type} {id}");
        var verify = await client.GetAsync("/api/v1/audit/verify").ExpectAsync(HttpStatusCode.OK);
        Assert.True(verify.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task A_case_of_another_organisation_is_not_found()
    {
        using var client = server.Client();
        var id = (await client.CreateCaseAsync("Private to default")).Id();
        using var other = server.Client(await server.CreateOtherOrganisationKeyAsync());

        await other.GetAsync($"/api/v1/cases/{id}").ExpectAsync(HttpStatusCode.NotFound);
        await other.GetAsync($"/api/v1/cases/{id}/timeline").ExpectAsync(HttpStatusCode.NotFound);
        await other.PatchJsonAsync($"/api/v1/cases/{id}", new { title = "taken over" }).ExpectAsync(HttpStatusCode.NotFound);
        Assert.Equal("Private to default", (await client.GetCaseAsync(id)).Str("title"));
    }
}

public sealed class CaseApiTestsOnSqlite(SqliteServer server) : CaseApiTests(server), IClassFixture<SqliteServer>;

public sealed class CaseApiTestsOnPostgres(PostgresServer server) : CaseApiTests(server), IClassFixture<PostgresServer>;
