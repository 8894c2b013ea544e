using System.Net;
using System.Text.Json;
using Quell.Cases;
using Quell.Tests.Support;

namespace Quell.Tests.Cases;

public abstract class CaseTaskApiTests(TestServer server)
{
    static async Task<string> AnalystNameAsync(TestServer server)
    {
        var name = "analyst" + Guid.NewGuid().ToString("N")[..8];
        await server.CreateUserKeyAsync("analyst", name);
        return name;
    }

    [Fact]
    public async Task Added_task_is_waiting_assigned_and_noted_on_the_timeline()
    {
        using var client = server.Client();
        var analyst = await AnalystNameAsync(server);
        var caseId = (await client.CreateCaseAsync("Task host")).Id();

        var task = await client.PostJsonAsync($"/api/v1/cases/{caseId}/tasks",
            $$"""{"title":"Isolate host","group":"containment","description":"Use **EDR**","assignee":"{{analyst.ToUpperInvariant()}}","dueAt":"2030-01-02T03:04:05Z"}""")
            .ExpectAsync(HttpStatusCode.Created);

        Assert.Equal("Isolate host", task.Str("title"));
        Assert.Equal("containment", task.Str("group"));
        Assert.Equal(CaseTaskStatus.Waiting, task.Str("status"));
        Assert.Equal(analyst, task.Str("assignee"));
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero), task.GetProperty("dueAt").GetDateTimeOffset());
        var onCase = Assert.Single((await client.GetCaseAsync(caseId)).GetProperty("tasks").EnumerateArray());
        Assert.Equal(task.Id(), onCase.Id());
        var entry = Assert.Single(await client.TimelineAsync(caseId, CaseTimelineKind.TaskAdded));
        Assert.Equal($"Task 'Isolate host' added, assigned to {analyst}", entry.Str("message"));
    }

    [Fact]
    public async Task Adding_a_task_names_every_bad_field_and_writes_nothing()
    {
        using var client = server.Client();
        var caseId = (await client.CreateCaseAsync()).Id();

        var problem = await client.PostJsonAsync($"/api/v1/cases/{caseId}/tasks", """{"group":7,"dueAt":"next tuesday"}""").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["dueAt", "group", "title"], problem.ErrorFields().Order());

        var unknownUser = await client.PostJsonAsync($"/api/v1/cases/{caseId}/tasks", """{"title":"t","assignee":"nobody-here"}""").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["assignee"], unknownUser.ErrorFields());
        Assert.Equal(0, (await client.GetCaseAsync(caseId)).GetProperty("tasks").GetArrayLength());
        await client.PostJsonAsync("/api/v1/cases/999999/tasks", """{"title":"t"}""").ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Patching_a_task_changes_status_and_assignee_and_null_unassigns()
    {
        using var client = server.Client();
        var analyst = await AnalystNameAsync(server);
        var caseId = (await client.CreateCaseAsync()).Id();
        var taskId = (await client.PostJsonAsync($"/api/v1/cases/{caseId}/tasks", """{"title":"Collect logs","dueAt":1893456000000}""")
            .ExpectAsync(HttpStatusCode.Created)).Id();

        var started = await client.PatchJsonAsync($"/api/v1/tasks/{taskId}", new { status = "in-progress", assignee = analyst, title = "Collect proxy logs" })
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(CaseTaskStatus.InProgress, started.Str("status"));
        Assert.Equal(analyst, started.Str("assignee"));
        Assert.Equal("Collect proxy logs", started.Str("title"));

        var unassigned = await client.PatchJsonAsync($"/api/v1/tasks/{taskId}", new { assignee = (string?)null, dueAt = (string?)null, status = "completed" })
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, unassigned.GetProperty("assignee").ValueKind);
        Assert.Equal(JsonValueKind.Null, unassigned.GetProperty("dueAt").ValueKind);
        Assert.Equal("Collect proxy logs", unassigned.Str("title"));

        var statuses = (await client.TimelineAsync(caseId, CaseTimelineKind.TaskStatus)).Select(e => e.Str("message"));
        Assert.Equal(["Task 'Collect proxy logs' waiting → in-progress", "Task 'Collect proxy logs' in-progress → completed"], statuses);
        var assignments = (await client.TimelineAsync(caseId, CaseTimelineKind.TaskAssignee)).Select(e => e.Str("message"));
        Assert.Equal([$"Task 'Collect proxy logs' assigned to {analyst}", "Task 'Collect proxy logs' unassigned"], assignments);
    }

    [Fact]
    public async Task Patching_a_task_with_an_unknown_status_is_rejected_naming_the_field()
    {
        using var client = server.Client();
        var caseId = (await client.CreateCaseAsync()).Id();
        var taskId = (await client.PostJsonAsync($"/api/v1/cases/{caseId}/tasks", """{"title":"t"}""").ExpectAsync(HttpStatusCode.Created)).Id();

        var problem = await client.PatchJsonAsync($"/api/v1/tasks/{taskId}", new { status = "done" }).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["status"], problem.ErrorFields());
        Assert.Contains("waiting, in-progress, completed, cancelled", problem.Str("detail"));

        var empty = await client.PatchJsonAsync($"/api/v1/tasks/{taskId}", new { }).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["body"], empty.ErrorFields());
        await client.PatchJsonAsync("/api/v1/tasks/999999", new { status = "completed" }).ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Task_logs_are_listed_oldest_first()
    {
        using var client = server.Client();
        var caseId = (await client.CreateCaseAsync()).Id();
        var taskId = (await client.PostJsonAsync($"/api/v1/cases/{caseId}/tasks", """{"title":"Triage"}""").ExpectAsync(HttpStatusCode.Created)).Id();

        var log = await client.PostJsonAsync($"/api/v1/tasks/{taskId}/logs", """{"message":"Found **3** hosts"}""").ExpectAsync(HttpStatusCode.Created);
        await client.PostJsonAsync($"/api/v1/tasks/{taskId}/logs", """{"message":"Second"}""").ExpectAsync(HttpStatusCode.Created);
        await client.PostJsonAsync($"/api/v1/tasks/{taskId}/logs", """{"message":"Third"}""").ExpectAsync(HttpStatusCode.Created);

        Assert.Equal("Found **3** hosts", log.Str("message"));
        Assert.Equal("admin (api key)", log.Str("createdBy"));
        var first = await client.GetAsync($"/api/v1/tasks/{taskId}/logs?limit=2").ExpectAsync(HttpStatusCode.OK);
        var rest = await client.GetAsync($"/api/v1/tasks/{taskId}/logs?limit=2&cursor={first.Str("next")}").ExpectAsync(HttpStatusCode.OK);
        var messages = first.GetProperty("items").EnumerateArray().Concat(rest.GetProperty("items").EnumerateArray()).Select(l => l.Str("message"));
        Assert.Equal(["Found **3** hosts", "Second", "Third"], messages);
        Assert.Equal(3, (await client.TimelineAsync(caseId, CaseTimelineKind.TaskLog)).Count);
    }

    [Fact]
    public async Task Task_log_needs_a_message_and_a_known_task()
    {
        using var client = server.Client();
        var caseId = (await client.CreateCaseAsync()).Id();
        var taskId = (await client.PostJsonAsync($"/api/v1/cases/{caseId}/tasks", """{"title":"t"}""").ExpectAsync(HttpStatusCode.Created)).Id();

        var problem = await client.PostJsonAsync($"/api/v1/tasks/{taskId}/logs", """{"message":"  "}""").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["message"], problem.ErrorFields());
        await client.PostJsonAsync("/api/v1/tasks/999999/logs", """{"message":"x"}""").ExpectAsync(HttpStatusCode.NotFound);
        await client.GetAsync("/api/v1/tasks/999999/logs").ExpectAsync(HttpStatusCode.NotFound);
        var logs = await client.GetAsync($"/api/v1/tasks/{taskId}/logs").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, logs.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Tasks_from_a_template_come_after_the_existing_ones()
    {
        using var client = server.Client();
        var name = "Phishing " + Guid.NewGuid().ToString("N")[..6];
        await client.PostJsonAsync("/api/v1/case-templates",
            $$"""{"name":"{{name}}","tasks":[{"title":"Pull the mail","group":"triage"},{"title":"Purge from mailboxes","description":"after approval"}]}""")
            .ExpectAsync(HttpStatusCode.Created);
        var caseId = (await client.CreateCaseAsync()).Id();
        await client.PostJsonAsync($"/api/v1/cases/{caseId}/tasks", """{"title":"Talk to the reporter"}""").ExpectAsync(HttpStatusCode.Created);

        var added = await client.PostJsonAsync($"/api/v1/cases/{caseId}/tasks/from-template", $$"""{"template":"{{name}}"}""").ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(2, added.GetProperty("items").GetArrayLength());
        var tasks = (await client.GetCaseAsync(caseId)).GetProperty("tasks").EnumerateArray().ToList();
        Assert.Equal(["Talk to the reporter", "Pull the mail", "Purge from mailboxes"], tasks.Select(t => t.Str("title")));
        Assert.Equal(["default", "triage", "default"], tasks.Select(t => t.Str("group")));
        Assert.Equal("after approval", tasks[2].Str("description"));
        Assert.Contains(await client.TimelineAsync(caseId, CaseTimelineKind.TaskAdded), e => e.Str("message") == $"2 task(s) added from template '{name}'");
    }

    [Fact]
    public async Task Tasks_from_an_unknown_template_are_rejected_naming_the_field()
    {
        using var client = server.Client();
        var caseId = (await client.CreateCaseAsync()).Id();

        var problem = await client.PostJsonAsync($"/api/v1/cases/{caseId}/tasks/from-template", """{"template":"no such template"}""").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["template"], problem.ErrorFields());
        var missing = await client.PostJsonAsync($"/api/v1/cases/{caseId}/tasks/from-template", "{}").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["template"], missing.ErrorFields());
        await client.PostJsonAsync("/api/v1/cases/999999/tasks/from-template", """{"template":"x"}""").ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Tasks_of_another_organisation_are_not_found()
    {
        using var client = server.Client();
        var caseId = (await client.CreateCaseAsync()).Id();
        var taskId = (await client.PostJsonAsync($"/api/v1/cases/{caseId}/tasks", """{"title":"Private"}""").ExpectAsync(HttpStatusCode.Created)).Id();
        using var other = server.Client(await server.CreateOtherOrganisationKeyAsync());

        await other.PostJsonAsync($"/api/v1/cases/{caseId}/tasks", """{"title":"x"}""").ExpectAsync(HttpStatusCode.NotFound);
        await other.PostJsonAsync($"/api/v1/cases/{caseId}/tasks/from-template", """{"template":"x"}""").ExpectAsync(HttpStatusCode.NotFound);
        await other.PatchJsonAsync($"/api/v1/tasks/{taskId}", new { status = "cancelled" }).ExpectAsync(HttpStatusCode.NotFound);
        await other.GetAsync($"/api/v1/tasks/{taskId}/logs").ExpectAsync(HttpStatusCode.NotFound);
        await other.PostJsonAsync($"/api/v1/tasks/{taskId}/logs", """{"message":"x"}""").ExpectAsync(HttpStatusCode.NotFound);
        var task = Assert.Single((await client.GetCaseAsync(caseId)).GetProperty("tasks").EnumerateArray());
        Assert.Equal(CaseTaskStatus.Waiting, task.Str("status"));
    }

    [Fact]
    public async Task A_read_only_user_can_read_task_logs_but_not_write_them()
    {
        using var client = server.Client();
        var caseId = (await client.CreateCaseAsync()).Id();
        var taskId = (await client.PostJsonAsync($"/api/v1/cases/{caseId}/tasks", """{"title":"t"}""").ExpectAsync(HttpStatusCode.Created)).Id();
        using var reader = server.Client(await server.CreateUserKeyAsync("read-only"));

        await reader.GetAsync($"/api/v1/tasks/{taskId}/logs").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostJsonAsync($"/api/v1/tasks/{taskId}/logs", """{"message":"x"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PatchJsonAsync($"/api/v1/tasks/{taskId}", new { status = "completed" })).StatusCode);
    }
}

public sealed class CaseTaskApiTestsOnSqlite(SqliteServer server) : CaseTaskApiTests(server), IClassFixture<SqliteServer>;

public sealed class CaseTaskApiTestsOnPostgres(PostgresServer server) : CaseTaskApiTests(server), IClassFixture<PostgresServer>;
