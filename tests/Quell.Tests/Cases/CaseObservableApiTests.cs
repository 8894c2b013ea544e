using System.Net;
using System.Text.Json;
using Quell.Cases;
using Quell.Tests.Support;

namespace Quell.Tests.Cases;

public abstract class CaseObservableApiTests(TestServer server)
{
    static List<string> Data(JsonElement list) => list.EnumerateArray().Select(o => o.Str("data")).ToList();

    [Fact]
    public async Task One_observable_is_added_and_a_repeat_is_merged_with_flags_ored()
    {
        using var client = server.Client();
        var caseId = (await client.CreateCaseAsync()).Id();

        var first = await client.PostJsonAsync($"/api/v1/cases/{caseId}/observables", """{"dataType":"ip","data":"203.0.113.9","tags":["c2"]}""")
            .ExpectAsync(HttpStatusCode.Created);
        var second = await client.PostJsonAsync($"/api/v1/cases/{caseId}/observables",
            """[{"dataType":"ip","data":" 203.0.113.9 ","ioc":true,"tags":["botnet"]},{"dataType":"domain","data":"Evil.Example."}]""")
            .ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(["203.0.113.9"], Data(first.GetProperty("added")));
        Assert.Equal(["evil.example"], Data(second.GetProperty("added")));
        var merged = Assert.Single(second.GetProperty("merged").EnumerateArray());
        Assert.Equal(first.GetProperty("added")[0].Id(), merged.Id());
        Assert.True(merged.GetProperty("ioc").GetBoolean());
        Assert.Equal(["c2", "botnet"], merged.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(["203.0.113.9", "evil.example"], Data((await client.GetCaseAsync(caseId)).GetProperty("observables")));
        var entries = (await client.TimelineAsync(caseId, CaseTimelineKind.ObservablesAdded)).Select(e => e.Str("message"));
        Assert.Equal(["1 observable(s) added, 0 merged: ip 203.0.113.9", "1 observable(s) added, 1 merged: ip 203.0.113.9, domain evil.example"], entries);
    }

    [Fact]
    public async Task Posting_only_known_observables_answers_ok_with_nothing_added()
    {
        using var client = server.Client();
        var caseId = (await client.CreateCaseAsync(extraJson: "\"observables\":[{\"dataType\":\"hash\",\"data\":\"ABCDEF01\"}]")).Id();

        var again = await client.PostJsonAsync($"/api/v1/cases/{caseId}/observables", """{"dataType":"hash","data":"abcdef01"}""").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(0, again.GetProperty("added").GetArrayLength());
        Assert.Equal(["abcdef01"], Data(again.GetProperty("merged")));
    }

    [Fact]
    public async Task Bad_observables_are_named_by_position_and_none_is_added()
    {
        using var client = server.Client();
        var caseId = (await client.CreateCaseAsync()).Id();

        var problem = await client.PostJsonAsync($"/api/v1/cases/{caseId}/observables",
            """[{"dataType":"ip","data":"198.51.100.1"},{"dataType":"colour","data":"red"},{"dataType":"ip","data":"not-an-ip"}]""")
            .ExpectAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["[1].dataType", "[2].data"], problem.ErrorFields().Order());
        Assert.Equal(0, (await client.GetCaseAsync(caseId)).GetProperty("observables").GetArrayLength());
        var scalar = await client.PostJsonAsync($"/api/v1/cases/{caseId}/observables", "\"203.0.113.1\"").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["body"], scalar.ErrorFields());
        var empty = await client.PostJsonAsync($"/api/v1/cases/{caseId}/observables", "[]").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["body"], empty.ErrorFields());
        await client.PostJsonAsync("/api/v1/cases/999999/observables", """{"dataType":"ip","data":"203.0.113.1"}""").ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Patching_an_observable_sets_flags_tags_and_clears_the_message()
    {
        using var client = server.Client();
        var caseId = (await client.CreateCaseAsync()).Id();
        var added = await client.PostJsonAsync($"/api/v1/cases/{caseId}/observables",
            """{"dataType":"url","data":"https://evil.example/login","message":"from the mail body","tags":["phish"]}""").ExpectAsync(HttpStatusCode.Created);
        var oid = added.GetProperty("added")[0].Id();

        var flagged = await client.PatchJsonAsync($"/api/v1/cases/{caseId}/observables/{oid}", new { ioc = true, sighted = true, tags = new[] { "credential-harvest" } })
            .ExpectAsync(HttpStatusCode.OK);
        Assert.True(flagged.GetProperty("ioc").GetBoolean());
        Assert.True(flagged.GetProperty("sighted").GetBoolean());
        Assert.Equal(["credential-harvest"], flagged.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("from the mail body", flagged.Str("message"));

        var cleared = await client.PatchJsonAsync($"/api/v1/cases/{caseId}/observables/{oid}", new { message = (string?)null, ioc = false }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("message").ValueKind);
        Assert.False(cleared.GetProperty("ioc").GetBoolean());
        Assert.True(cleared.GetProperty("sighted").GetBoolean());

        var entries = (await client.TimelineAsync(caseId, CaseTimelineKind.ObservableUpdated)).Select(e => e.Str("message"));
        Assert.Equal(
        [
            "Observable url https://evil.example/login: marked as IOC, marked as sighted, tags [credential-harvest]",
            "Observable url https://evil.example/login: no longer an IOC, message changed",
        ], entries);
    }

    [Fact]
    public async Task Patching_an_observable_validates_fields_and_ids()
    {
        using var client = server.Client();
        var caseId = (await client.CreateCaseAsync()).Id();
        var otherCaseId = (await client.CreateCaseAsync("other")).Id();
        var oid = (await client.PostJsonAsync($"/api/v1/cases/{caseId}/observables", """{"dataType":"ip","data":"203.0.113.5"}""")
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("added")[0].Id();

        var problem = await client.PatchJsonAsync($"/api/v1/cases/{caseId}/observables/{oid}", new { ioc = "yes", tags = "one" }).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["ioc", "tags"], problem.ErrorFields().Order());
        var nothing = await client.PatchJsonAsync($"/api/v1/cases/{caseId}/observables/{oid}", new { }).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["body"], nothing.ErrorFields());
        await client.PatchJsonAsync($"/api/v1/cases/{otherCaseId}/observables/{oid}", new { ioc = true }).ExpectAsync(HttpStatusCode.NotFound);
        await client.PatchJsonAsync($"/api/v1/cases/{caseId}/observables/999999", new { ioc = true }).ExpectAsync(HttpStatusCode.NotFound);
        await client.PatchJsonAsync($"/api/v1/cases/999999/observables/{oid}", new { ioc = true }).ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleted_observable_is_gone_and_noted_on_the_timeline()
    {
        using var client = server.Client();
        var caseId = (await client.CreateCaseAsync()).Id();
        var added = await client.PostJsonAsync($"/api/v1/cases/{caseId}/observables",
            """[{"dataType":"mail","data":"Bob@Example.org"},{"dataType":"filename","data":"invoice.pdf.exe"}]""").ExpectAsync(HttpStatusCode.Created);
        var oid = added.GetProperty("added")[0].Id();

        await client.DeleteAsync($"/api/v1/cases/{caseId}/observables/{oid}").ExpectAsync(HttpStatusCode.NoContent);

        Assert.Equal(["invoice.pdf.exe"], Data((await client.GetCaseAsync(caseId)).GetProperty("observables")));
        var entry = Assert.Single(await client.TimelineAsync(caseId, CaseTimelineKind.ObservableDeleted));
        Assert.Equal("Observable mail bob@example.org removed", entry.Str("message"));
        await client.DeleteAsync($"/api/v1/cases/{caseId}/observables/{oid}").ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Observables_of_another_organisation_are_not_found()
    {
        using var client = server.Client();
        var caseId = (await client.CreateCaseAsync()).Id();
        var oid = (await client.PostJsonAsync($"/api/v1/cases/{caseId}/observables", """{"dataType":"ip","data":"203.0.113.77"}""")
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("added")[0].Id();
        using var other = server.Client(await server.CreateOtherOrganisationKeyAsync());

        await other.PostJsonAsync($"/api/v1/cases/{caseId}/observables", """{"dataType":"ip","data":"203.0.113.78"}""").ExpectAsync(HttpStatusCode.NotFound);
        await other.PatchJsonAsync($"/api/v1/cases/{caseId}/observables/{oid}", new { ioc = true }).ExpectAsync(HttpStatusCode.NotFound);
        await other.DeleteAsync($"/api/v1/cases/{caseId}/observables/{oid}").ExpectAsync(HttpStatusCode.NotFound);
        var kept = Assert.Single((await client.GetCaseAsync(caseId)).GetProperty("observables").EnumerateArray());
        Assert.False(kept.GetProperty("ioc").GetBoolean());
    }
}

public sealed class CaseObservableApiTestsOnSqlite(SqliteServer server) : CaseObservableApiTests(server), IClassFixture<SqliteServer>;

public sealed class CaseObservableApiTestsOnPostgres(PostgresServer server) : CaseObservableApiTests(server), IClassFixture<PostgresServer>;
