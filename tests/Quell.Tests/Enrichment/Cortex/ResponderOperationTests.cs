using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Enrichment.Cortex;

/// <summary>
/// The operations a responder returns are applied to Quell's cases, alerts, tasks and observables with the run's end;
/// one that cannot be applied is recorded with its reason and the others still apply.
/// </summary>
public abstract class ResponderOperationTests(CortexServer server)
{
    const string Act = "cortex:Act";

    /// <summary>A client of a new organisation whose Act responder returns <paramref name="operations"/>.</summary>
    async Task<(HttpClient Client, Tenant Tenant)> ActingAsync(Func<Tenant, object[]> operationsOf)
    {
        var tenant = await Tenants.CreateAsync(server);
        var operations = operationsOf(tenant);
        var client = server.Client(tenant.AdminKey);
        await client.PutAsJsonAsync($"/api/v1/responders/{Act}", new { enabled = true, config = new { operations = JsonSerializer.Serialize(operations) } })
            .ExpectAsync(HttpStatusCode.OK);
        return (client, tenant);
    }

    static async Task<JsonElement[]> RunAsync(HttpClient client, object body)
    {
        var run = await client.PostAsJsonAsync($"/api/v1/responders/{Act}/run?wait=true", body).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("success", run.GetProperty("status").GetString());
        var stored = await client.GetAsync($"/api/v1/responders/runs/{run.GetProperty("id").GetInt64()}").ExpectAsync(HttpStatusCode.OK);
        return [.. stored.GetProperty("operations").EnumerateArray()];
    }

    static void Applied(JsonElement op, string type, string message)
    {
        Assert.Equal(type, op.GetProperty("type").GetString());
        Assert.Equal(("applied", message), (op.GetProperty("status").GetString(), op.GetProperty("message").GetString()));
    }

    static void Failed(JsonElement op, string message)
    {
        Assert.Equal(("failed", message), (op.GetProperty("status").GetString(), op.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Case_operations_are_applied_and_the_ones_quell_cannot_apply_say_why()
    {
        // AssignCase names the organisation's admin, a member; an outsider fails.
        var (client, tenant) = await ActingAsync(t =>
        [
            new { type = "AddTagToCase", tag = "responded" },
            new { type = "CreateTask", title = "Reset the password", description = "done by the responder" },
            new { type = "AddCustomFields", name = "ticket", tpe = "integer", value = 4711 },
            new { type = "AddArtifactToCase", data = "198.51.100.7", dataType = "ip", message = "seen by the responder" },
            new { type = "MarkAlertAsRead" },
            new { type = "Explode" },
            new { type = "AddTagToCase" },
            new { type = "AddCustomFields", name = "ticket", tpe = "integer", value = "soon" },
            new { type = "AddArtifactToCase", data = "not an ip", dataType = "ip", message = "bad" },
            new { type = "AssignCase", owner = t.AdminUsername },
            new { type = "AssignCase", owner = "nobody-here" },
        ]);
        using var _ = client;
        var (actor, admin) = ($"{Act} (responder) for {tenant.AdminUsername} (api key)", tenant.AdminUsername);
        var caseId = (await client.CreateCaseAsync("Mailbox compromise")).GetProperty("id").GetInt64();

        var ops = await RunAsync(client, new { objectType = "case", objectId = caseId });

        Assert.Equal(11, ops.Length);
        var number = (await client.GetAsync($"/api/v1/cases/{caseId}").ExpectAsync(HttpStatusCode.OK)).GetProperty("number").GetInt64();
        Applied(ops[0], "AddTagToCase", $"tag 'responded' added to case #{number}");
        Assert.Equal("responded", ops[0].GetProperty("tag").GetString());
        Assert.StartsWith("task ", ops[1].GetProperty("message").GetString());
        Assert.EndsWith(" 'Reset the password' created", ops[1].GetProperty("message").GetString());
        Applied(ops[2], "AddCustomFields", $"custom field 'ticket' of case #{number} set to 4711");
        Applied(ops[3], "AddArtifactToCase", $"observable ip 198.51.100.7 added to case #{number}");
        Failed(ops[4], $"the responder ran on case {caseId}, which is not and has no alert");
        Assert.StartsWith("unknown operation type 'Explode'; Quell applies AddTagToCase, ", ops[5].GetProperty("message").GetString());
        Failed(ops[6], "tag is required");
        Failed(ops[7], "value \"soon\" does not fit tpe integer");
        Assert.Equal("failed", ops[8].GetProperty("status").GetString());
        Assert.StartsWith("data: ", ops[8].GetProperty("message").GetString());
        Applied(ops[9], "AssignCase", $"case #{number} assigned to {admin}");
        Failed(ops[10], "owner 'nobody-here' is not a user of this organisation");

        var after = await client.GetAsync($"/api/v1/cases/{caseId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Contains("responded", after.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(4711, after.GetProperty("customFields").GetProperty("ticket").GetInt32());
        Assert.Equal(admin, after.GetProperty("assignee").GetString());
        var task = Assert.Single(after.GetProperty("tasks").EnumerateArray());
        Assert.Equal(("Reset the password", "done by the responder"), (task.GetProperty("title").GetString(), task.GetProperty("description").GetString()));
        var observable = Assert.Single(after.GetProperty("observables").EnumerateArray());
        Assert.Equal(("ip", "198.51.100.7", "seen by the responder"),
            (observable.GetProperty("dataType").GetString(), observable.GetProperty("data").GetString(), observable.GetProperty("message").GetString()));

        var timeline = await client.GetAsync($"/api/v1/cases/{caseId}/timeline?limit=100").ExpectAsync(HttpStatusCode.OK);
        var byResponder = timeline.GetProperty("items").EnumerateArray().Where(e => e.GetProperty("actor").GetString() == actor).Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["responder.operation", "task.added", "responder.operation", "observable.added", "case.assignee"], byResponder);
        var audit = await client.GetAsync("/api/v1/audit?limit=100").ExpectAsync(HttpStatusCode.OK);
        var actions = audit.GetProperty("items").EnumerateArray().Where(e => e.GetProperty("actor").GetString() == actor).Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(["responder.AddTagToCase", "responder.CreateTask", "responder.AddCustomFields", "responder.AddArtifactToCase", "responder.AssignCase"],
            Enumerable.Reverse(actions));
    }

    [Fact]
    public async Task Alert_and_observable_operations_are_applied_and_a_case_operation_on_an_alert_fails()
    {
        // On an alert's observable, alert operations act on its alert (the operations TheHive 4 applies to an alert only).
        var (client, _) = await ActingAsync(t =>
        [
            new { type = "AddTagToAlert", tag = "blocked" },
            new { type = "MarkAlertAsRead" },
            new { type = "AddTagToArtifact", tag = "sinkholed" },
            new { type = "AddTagToCase", tag = "nope" },
            "not an object",
        ]);
        using var _ = client;
        var observableId = await client.ObservableAsync("domain", "evil.example");

        var onObservable = await RunAsync(client, new { objectType = "observable", objectId = observableId, of = "alert" });
        Assert.Equal(["applied", "applied", "applied", "failed", "failed"], onObservable.Select(o => o.GetProperty("status").GetString()));
        var alertId = long.Parse(onObservable[0].GetProperty("target").GetString()!["alert ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Applied(onObservable[0], "AddTagToAlert", $"tag 'blocked' added to alert {alertId}");
        Applied(onObservable[2], "AddTagToArtifact", "tag 'sinkholed' added to observable domain evil.example");
        Failed(onObservable[3], $"the responder ran on observable {observableId} of alert {alertId}, which is not and has no case");
        Failed(onObservable[4], "an operation must be a JSON object with a type");
        Assert.Equal("not an object", onObservable[4].GetProperty("given").GetString());

        var onAlert = await RunAsync(client, new { objectType = "alert", objectId = alertId });
        Applied(onAlert[0], "AddTagToAlert", $"alert {alertId} already has the tag 'blocked'");
        Applied(onAlert[1], "MarkAlertAsRead", $"alert {alertId} marked as read");
        Failed(onAlert[2], $"the responder ran on alert {alertId}, which is not and has no observable");
        Failed(onAlert[3], $"the responder ran on alert {alertId}, which is not and has no case");

        var alert = await client.GetAsync($"/api/v1/alerts/{alertId}").ExpectAsync(HttpStatusCode.OK);
        Assert.True(alert.GetProperty("read").GetBoolean());
        Assert.Contains("blocked", alert.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(["sinkholed"], alert.GetProperty("observables")[0].GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task Task_operations_close_the_task_and_log_to_it()
    {
        var (client, tenant) = await ActingAsync(t =>
        [
            new { type = "AddLogToTask", content = "Mail purged from 12 mailboxes", owner = "ignored" },
            new { type = "CloseTask" },
            new { type = "MarkAlertAsUnread" },
        ]);
        using var _ = client;
        var caseId = (await client.CreateCaseAsync("Purge")).GetProperty("id").GetInt64();
        var task = await client.PostAsJsonAsync($"/api/v1/cases/{caseId}/tasks", new { title = "Purge the mail" }).ExpectAsync(HttpStatusCode.Created);
        var taskId = task.GetProperty("id").GetInt64();

        var ops = await RunAsync(client, new { objectType = "task", objectId = taskId });

        Assert.StartsWith("log ", ops[0].GetProperty("message").GetString());
        Applied(ops[1], "CloseTask", $"task {taskId} 'Purge the mail' completed");
        Failed(ops[2], $"the responder ran on task {taskId}, which is not and has no alert");
        var after = await client.GetAsync($"/api/v1/cases/{caseId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("completed", after.GetProperty("tasks")[0].GetProperty("status").GetString());
        var logs = await client.GetAsync($"/api/v1/tasks/{taskId}/logs").ExpectAsync(HttpStatusCode.OK);
        var log = Assert.Single(logs.GetProperty("items").EnumerateArray());
        Assert.Equal(("Mail purged from 12 mailboxes", $"{Act} (responder) for {tenant.AdminUsername} (api key)"),
            (log.GetProperty("message").GetString(), log.GetProperty("createdBy").GetString()));
    }

    [Fact]
    public async Task Task_operations_on_a_case_fail_saying_quell_needs_a_task()
    {
        var (client, _) = await ActingAsync(t => [new { type = "CloseTask" }]);
        using var _ = client;
        var caseId = (await client.CreateCaseAsync()).GetProperty("id").GetInt64();

        var ops = await RunAsync(client, new { objectType = "case", objectId = caseId });

        Failed(Assert.Single(ops), $"the responder ran on case {caseId}, which is not and has no task (run it on a task: objectType task)");
    }
}

public sealed class ResponderOperationTestsOnSqlite(CortexSqliteServer server) : ResponderOperationTests(server), IClassFixture<CortexSqliteServer>;

public sealed class ResponderOperationTestsOnPostgres(CortexPostgresServer server) : ResponderOperationTests(server), IClassFixture<CortexPostgresServer>;
