using System.Net;
using System.Text.Json;
using Quell.Cases;
using Quell.Tests.Support;

namespace Quell.Tests.Cases;

public abstract class CaseCommentApiTests(TestServer server)
{
    [Fact]
    public async Task Comments_are_kept_as_written_and_listed_oldest_first()
    {
        using var client = server.Client();
        var caseId = (await client.CreateCaseAsync()).Id();
        const string markdown = "Sender domain registered **yesterday**:\n\n- `evil.example`\n<script>alert(1)</script>";

        var comment = await client.PostJsonAsync($"/api/v1/cases/{caseId}/comments", JsonSerializer.Serialize(new { message = markdown }))
            .ExpectAsync(HttpStatusCode.Created);
        await client.PostJsonAsync($"/api/v1/cases/{caseId}/comments", """{"message":"second"}""").ExpectAsync(HttpStatusCode.Created);
        await client.PostJsonAsync($"/api/v1/cases/{caseId}/comments", """{"message":"third"}""").ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(markdown, comment.Str("message"));
        Assert.Equal(caseId, comment.GetProperty("caseId").GetInt64());
        var first = await client.GetAsync($"/api/v1/cases/{caseId}/comments?limit=2").ExpectAsync(HttpStatusCode.OK);
        var rest = await client.GetAsync($"/api/v1/cases/{caseId}/comments?limit=2&cursor={first.Str("next")}").ExpectAsync(HttpStatusCode.OK);
        var messages = first.GetProperty("items").EnumerateArray().Concat(rest.GetProperty("items").EnumerateArray()).Select(c => c.Str("message"));
        Assert.Equal([markdown, "second", "third"], messages);
        Assert.Equal(3, (await client.TimelineAsync(caseId, CaseTimelineKind.CommentAdded)).Count);
    }

    [Fact]
    public async Task A_comment_needs_a_message_and_a_known_case()
    {
        using var client = server.Client();
        var caseId = (await client.CreateCaseAsync()).Id();

        var problem = await client.PostJsonAsync($"/api/v1/cases/{caseId}/comments", """{"message":42}""").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["message"], problem.ErrorFields());
        var notObject = await client.PostJsonAsync($"/api/v1/cases/{caseId}/comments", "[]").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["body"], notObject.ErrorFields());
        await client.PostJsonAsync("/api/v1/cases/999999/comments", """{"message":"x"}""").ExpectAsync(HttpStatusCode.NotFound);
        await client.GetAsync("/api/v1/cases/999999/comments").ExpectAsync(HttpStatusCode.NotFound);
        var limit = await client.GetAsync($"/api/v1/cases/{caseId}/comments?limit=0").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["limit"], limit.ErrorFields());
        Assert.Equal(0, (await client.GetAsync($"/api/v1/cases/{caseId}/comments").ExpectAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Comments_of_another_organisation_are_not_found()
    {
        using var client = server.Client();
        var caseId = (await client.CreateCaseAsync()).Id();
        await client.PostJsonAsync($"/api/v1/cases/{caseId}/comments", """{"message":"internal"}""").ExpectAsync(HttpStatusCode.Created);
        using var other = server.Client(await server.CreateOtherOrganisationKeyAsync());

        await other.GetAsync($"/api/v1/cases/{caseId}/comments").ExpectAsync(HttpStatusCode.NotFound);
        await other.PostJsonAsync($"/api/v1/cases/{caseId}/comments", """{"message":"x"}""").ExpectAsync(HttpStatusCode.NotFound);
        var list = await client.GetAsync($"/api/v1/cases/{caseId}/comments").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, list.GetProperty("items").GetArrayLength());
    }
}

public sealed class CaseCommentApiTestsOnSqlite(SqliteServer server) : CaseCommentApiTests(server), IClassFixture<SqliteServer>;

public sealed class CaseCommentApiTestsOnPostgres(PostgresServer server) : CaseCommentApiTests(server), IClassFixture<PostgresServer>;
