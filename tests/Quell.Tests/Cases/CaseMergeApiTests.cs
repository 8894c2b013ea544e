using System.Net;
using System.Text.Json;
using Quell.Cases;
using Quell.Tests.Support;

namespace Quell.Tests.Cases;

public abstract class CaseMergeApiTests(TestServer server)
{
    static async Task<long> AlertAsync(HttpClient client, string date, string firstEvidence, string observablesJson)
    {
        var alert = await client.PostJsonAsync("/api/v1/alerts", $$"""
            {"type":"siem","source":"splunk","sourceRef":"{{Guid.NewGuid():N}}","title":"Beacon","date":"{{date}}","firstEvidenceAt":"{{firstEvidence}}",
             "observables":{{observablesJson}}}
            """).ExpectAsync(HttpStatusCode.Created);
        return alert.Id();
    }

    [Fact]
    public async Task Merging_moves_everything_widens_times_and_resolves_the_other_case_as_duplicate()
    {
        using var client = server.Client();
        var targetAlert = await AlertAsync(client, "2030-01-05T00:00:00Z", "2030-01-04T00:00:00Z", """[{"dataType":"ip","data":"203.0.113.10","tags":["a"]}]""");
        var sourceAlert = await AlertAsync(client, "2030-01-03T00:00:00Z", "2030-01-01T00:00:00Z",
            """[{"dataType":"ip","data":"203.0.113.10","ioc":true,"tags":["b"]},{"dataType":"domain","data":"c2.example"}]""");
        var target = (await client.PostJsonAsync($"/api/v1/alerts/{targetAlert}/case", "").ExpectAsync(HttpStatusCode.Created)).Id();
        var source = (await client.PostJsonAsync($"/api/v1/alerts/{sourceAlert}/case", "").ExpectAsync(HttpStatusCode.Created)).Id();
        await client.PatchJsonAsync($"/api/v1/cases/{source}", new { severity = 4, tlp = "RED", tags = new[] { "apt" } }).ExpectAsync(HttpStatusCode.OK);
        await client.PostJsonAsync($"/api/v1/cases/{target}/tasks", """{"title":"Target task"}""").ExpectAsync(HttpStatusCode.Created);
        var movedTask = (await client.PostJsonAsync($"/api/v1/cases/{source}/tasks", """{"title":"Source task"}""").ExpectAsync(HttpStatusCode.Created)).Id();
        await client.PostJsonAsync($"/api/v1/tasks/{movedTask}/logs", """{"message":"log follows the task"}""").ExpectAsync(HttpStatusCode.Created);
        await client.PostJsonAsync($"/api/v1/cases/{source}/comments", """{"message":"source comment"}""").ExpectAsync(HttpStatusCode.Created);
        var sourceNumber = (await client.GetCaseAsync(source)).GetProperty("number").GetInt64();

        var merged = await client.PostAsync($"/api/v1/cases/{target}/merge/{source}", null).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(target, merged.Id());
        var observables = merged.GetProperty("observables").EnumerateArray().ToDictionary(o => o.Str("data"));
        Assert.Equal(["203.0.113.10", "c2.example"], observables.Keys);
        Assert.True(observables["203.0.113.10"].GetProperty("ioc").GetBoolean());
        Assert.Equal(["a", "b"], observables["203.0.113.10"].GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(["Target task", "Source task"], merged.GetProperty("tasks").EnumerateArray().Select(t => t.Str("title")));
        Assert.Equal([targetAlert, sourceAlert], merged.GetProperty("alerts").EnumerateArray().Select(a => a.Id()).Order());
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), merged.GetProperty("firstEvidenceAt").GetDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2030, 1, 3, 0, 0, 0, TimeSpan.Zero), merged.GetProperty("detectedAt").GetDateTimeOffset());
        Assert.Equal(4, merged.GetProperty("severity").GetInt32());
        Assert.Equal("RED", merged.Str("tlp"));
        Assert.Contains("apt", merged.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var comment = Assert.Single((await client.GetAsync($"/api/v1/cases/{target}/comments").ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        Assert.Equal("source comment", comment.Str("message"));
        var log = Assert.Single((await client.GetAsync($"/api/v1/tasks/{movedTask}/logs").ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        Assert.Equal("log follows the task", log.Str("message"));
        Assert.Equal(target, (await client.GetAsync($"/api/v1/alerts/{sourceAlert}").ExpectAsync(HttpStatusCode.OK)).GetProperty("caseId").GetInt64());

        var old = await client.GetCaseAsync(source);
        Assert.Equal("resolved", old.Str("status"));
        Assert.Equal("duplicate", old.Str("resolution"));
        Assert.Equal(target, old.GetProperty("mergedInto").GetInt64());
        Assert.NotEqual(JsonValueKind.Null, old.GetProperty("resolvedAt").ValueKind);
        Assert.Equal(0, old.GetProperty("observables").GetArrayLength());
        Assert.Equal(0, old.GetProperty("tasks").GetArrayLength());
        Assert.Equal(0, old.GetProperty("alerts").GetArrayLength());

        var into = Assert.Single(await client.TimelineAsync(target, CaseTimelineKind.MergedFrom));
        Assert.Equal($"Case #{sourceNumber} merged into this case: 2 observable(s) (1 new), 1 task(s), 1 comment(s), 1 alert(s)", into.Str("message"));
        Assert.Single(await client.TimelineAsync(source, CaseTimelineKind.MergedInto));
    }

    [Fact]
    public async Task Merging_a_case_into_itself_or_merging_a_merged_case_is_a_conflict()
    {
        using var client = server.Client();
        var a = (await client.CreateCaseAsync("A")).Id();
        var b = (await client.CreateCaseAsync("B")).Id();
        var c = (await client.CreateCaseAsync("C")).Id();

        var self = await client.PostAsync($"/api/v1/cases/{a}/merge/{a}", null).ExpectAsync(HttpStatusCode.Conflict);
        Assert.Contains("cannot be merged into itself", self.Str("detail"));
        await client.PostAsync($"/api/v1/cases/{a}/merge/{b}", null).ExpectAsync(HttpStatusCode.OK);
        var again = await client.PostAsync($"/api/v1/cases/{c}/merge/{b}", null).ExpectAsync(HttpStatusCode.Conflict);
        Assert.Contains($"already merged into case {a}", again.Str("detail"));
        var intoMerged = await client.PostAsync($"/api/v1/cases/{b}/merge/{c}", null).ExpectAsync(HttpStatusCode.Conflict);
        Assert.Contains($"merge into case {a} instead", intoMerged.Str("detail"));
        Assert.Equal("new", (await client.GetCaseAsync(c)).Str("status"));
    }

    [Fact]
    public async Task A_merged_case_takes_no_new_tasks_comments_or_observables()
    {
        using var client = server.Client();
        var a = (await client.CreateCaseAsync("A")).Id();
        var b = (await client.CreateCaseAsync("B")).Id();
        await client.PostAsync($"/api/v1/cases/{a}/merge/{b}", null).ExpectAsync(HttpStatusCode.OK);

        var task = await client.PostJsonAsync($"/api/v1/cases/{b}/tasks", """{"title":"late"}""").ExpectAsync(HttpStatusCode.Conflict);
        Assert.Contains($"add to case {a} instead", task.Str("detail"));
        await client.PostJsonAsync($"/api/v1/cases/{b}/comments", """{"message":"late"}""").ExpectAsync(HttpStatusCode.Conflict);
        await client.PostJsonAsync($"/api/v1/cases/{b}/observables", """{"dataType":"ip","data":"203.0.113.1"}""").ExpectAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Merging_unknown_cases_or_cases_of_another_organisation_is_not_found()
    {
        using var client = server.Client();
        var a = (await client.CreateCaseAsync("A")).Id();
        var b = (await client.CreateCaseAsync("B")).Id();
        using var other = server.Client(await server.CreateOtherOrganisationKeyAsync());
        var foreign = (await other.CreateCaseAsync("Foreign")).Id();

        var missing = await client.PostAsync($"/api/v1/cases/{a}/merge/999999", null).ExpectAsync(HttpStatusCode.NotFound);
        Assert.Contains("case 999999", missing.Str("detail"));
        await client.PostAsync($"/api/v1/cases/999999/merge/{a}", null).ExpectAsync(HttpStatusCode.NotFound);
        await client.PostAsync($"/api/v1/cases/{a}/merge/{foreign}", null).ExpectAsync(HttpStatusCode.NotFound);
        await other.PostAsync($"/api/v1/cases/{foreign}/merge/{b}", null).ExpectAsync(HttpStatusCode.NotFound);
        Assert.Equal("new", (await client.GetCaseAsync(b)).Str("status"));
        Assert.Equal("new", (await other.GetCaseAsync(foreign)).Str("status"));
    }
}

public sealed class CaseMergeApiTestsOnSqlite(SqliteServer server) : CaseMergeApiTests(server), IClassFixture<SqliteServer>;

public sealed class CaseMergeApiTestsOnPostgres(PostgresServer server) : CaseMergeApiTests(server), IClassFixture<PostgresServer>;
