using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dapper;
using Quell.Tests.Support;

namespace Quell.Tests.Security;

/// <summary>Malformed, oversized and wrongly addressed requests get precise problem+json answers and write nothing.</summary>
public abstract class MalformedBodyTests(TestServer server)
{
    static string Alert(string sourceRef, string extra = "") =>
        $$"""{"type":"t","source":"malformed","sourceRef":"{{sourceRef}}","title":"t"{{extra}}}""";

    static HttpContent Raw(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    [Theory]
    [InlineData("/api/v1/alerts", "{\"title\": ")]
    [InlineData("/api/v1/alerts", "{'title': 'single quotes'}")]
    [InlineData("/api/v1/alerts", "{\"a\":1,}")]
    [InlineData("/api/v1/alerts", "{\"a\":NaN}")]
    [InlineData("/api/v1/alerts", "{\"a\":1} trailing")]
    [InlineData("/api/v1/alerts", "/* comment */ {}")]
    [InlineData("/api/v1/alerts/_bulk", "[{},")]
    [InlineData("/api/v1/cases", "{\"title\":\"x\"")]
    [InlineData("/api/v1/users", "nope")]
    [InlineData("/api/v1/login", "{\"username\":")]
    [InlineData("/api/v1/organisations", "]")]
    public async Task Malformed_json_is_a_400_problem_saying_so(string path, string body)
    {
        using var client = server.Client();
        var problem = await client.PostJsonAsync(path, body).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("not valid JSON", Problem.Detail(problem));
    }

    [Fact]
    public async Task An_empty_body_is_a_400_problem_saying_so()
    {
        using var client = server.Client();
        var problem = await client.PostAsync("/api/v1/alerts", Raw([])).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("empty", Problem.Detail(problem));
    }

    [Fact]
    public async Task Invalid_utf8_is_a_400_problem_giving_the_offset()
    {
        using var client = server.Client();
        byte[] body = [.. Encoding.UTF8.GetBytes("{\"type\":\"t\",\"title\":\"ab"), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\"}")];
        var problem = await client.PostAsync("/api/v1/alerts", Raw(body)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("UTF-8", Problem.Detail(problem));
        Assert.Contains("offset 23", Problem.Detail(problem));
    }

    [Theory]
    [InlineData("title", "\"\\ud800\"")]
    [InlineData("title", "\"a\\u0000b\"")]
    [InlineData("tags", "[\"\\udfff\"]")]
    [InlineData("tlp", "\"\\ud800\"")]
    [InlineData("date", "\"\\ud800\"")]
    [InlineData("raw", "{\"k\":\"\\ud800\"}")]
    [InlineData("raw", "{\"\\ud800\":1}")]
    public async Task A_string_that_is_not_text_is_a_400_naming_the_field(string field, string value)
    {
        using var client = server.Client();
        var body = $$"""{"type":"t","source":"malformed","sourceRef":"{{Guid.NewGuid():N}}","title":"t","{{field}}":{{value}}}""".Replace($"\"title\":\"t\",\"title\"", "\"title\"");
        var problem = await client.PostJsonAsync("/api/v1/alerts", body).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(Problem.Fields(problem), f => f == field || f.StartsWith(field + "[", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_error_message_quoting_a_long_emoji_value_does_not_break_the_answer()
    {
        // Messages quote the first characters of a bad value; cutting between the two halves of a surrogate pair
        // would leave text that cannot be written as JSON.
        using var client = server.Client();
        var value = "a" + string.Concat(Enumerable.Repeat("😀", 60));
        var body = Alert(Guid.NewGuid().ToString("N"), $$""","observables":[{"dataType":"ip","data":"{{value}}"},{"dataType":"hash","data":"{{value}}"}]""");
        var problem = await client.PostJsonAsync("/api/v1/alerts", body).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("observables[0].data", Problem.Fields(problem));
        Assert.Contains("observables[1].data", Problem.Fields(problem));
    }

    [Theory]
    [InlineData("other", 2_000)]
    [InlineData("other", 3_000)]
    [InlineData("url", 8_000)]
    [InlineData("user-agent", 60_000)]
    public async Task A_long_random_observable_value_is_stored_or_refused_but_never_a_server_error(string dataType, int length)
    {
        // Random text does not compress, so a long value cannot hide in a compressed index entry.
        var random = new Random(length);
        var value = new string(Enumerable.Range(0, length).Select(_ => (char)random.Next(0x21, 0x7F)).Where(ch => ch is not ('"' or '\\')).ToArray());
        using var client = server.Client();
        var body = Alert(Guid.NewGuid().ToString("N"), $$""","observables":[{"dataType":"{{dataType}}","data":"{{value}}"}]""");
        var response = await client.PostJsonAsync("/api/v1/alerts", body);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            var alert = await response.JsonAsync();
            Assert.Equal(value.Trim(), alert.GetProperty("observables")[0].GetProperty("data").GetString());
        }
        else
        {
            var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
            Assert.Contains("observables[0].data", Problem.Fields(problem));
        }
    }

    [Theory]
    [InlineData("/api/v1/alerts", 1 << 20)]
    [InlineData("/api/v1/cases", 1 << 20)]
    [InlineData("/api/v1/login", 16 * 1024)]
    [InlineData("/api/v1/users", 16 * 1024)]
    [InlineData("/api/v1/alerts/_bulk", 16 << 20)]
    public async Task A_body_over_the_endpoint_limit_is_a_413_problem(string path, int limit)
    {
        using var client = server.Client();
        var body = Encoding.UTF8.GetBytes("{\"title\":\"" + new string('x', limit) + "\"}");
        var problem = await client.PostAsync(path, Raw(body)).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains($"larger than {limit} bytes", Problem.Detail(problem));
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_a_413_problem_too()
    {
        // No Content-Length: the limit is enforced while reading.
        using var client = server.Client();
        var stream = new MemoryStream(Encoding.UTF8.GetBytes("{\"title\":\"" + new string('x', 2 << 20) + "\"}"));
        var content = new StreamContent(stream);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/alerts") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        await (await client.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("GET", "/api/v1/alerts/999999", "alert 999999")]
    [InlineData("GET", "/api/v1/alerts/999999/similar", "alert 999999")]
    [InlineData("POST", "/api/v1/alerts/999999/read", "alert 999999")]
    [InlineData("POST", "/api/v1/alerts/999999/case", "alert 999999")]
    [InlineData("POST", "/api/v1/alerts/999999/merge/1", "alert 999999")]
    [InlineData("GET", "/api/v1/cases/999999", "case 999999")]
    [InlineData("GET", "/api/v1/cases/number/999999", "case number 999999")]
    [InlineData("PATCH", "/api/v1/cases/999999", "case 999999")]
    [InlineData("GET", "/api/v1/users/999999", "user 999999")]
    [InlineData("PATCH", "/api/v1/users/999999", "user 999999")]
    [InlineData("DELETE", "/api/v1/users/999999", "user 999999")]
    [InlineData("POST", "/api/v1/users/999999/api-keys", "user 999999")]
    [InlineData("DELETE", "/api/v1/me/api-keys/999999", "API key 999999")]
    [InlineData("POST", "/api/v1/organisations/999999/members", "organisation 999999")]
    [InlineData("GET", "/api/v1/jobs/999999", "job 999999")]
    [InlineData("GET", "/api/v1/no-such-thing", "no endpoint matches")]
    [InlineData("GET", "/api/v1/alerts/not-a-number", "no endpoint matches")]
    public async Task Unknown_ids_are_a_404_problem_naming_what_is_missing(string method, string path, string expected)
    {
        using var client = server.Client();
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is not "GET")
            request.Content = new StringContent("""{"title":"x","username":"admin","role":"analyst","name":"k"}""", Encoding.UTF8, "application/json");
        var problem = await (await client.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains(expected, Problem.Detail(problem));
    }

    [Fact]
    public async Task A_merge_into_an_unknown_case_is_a_404_naming_the_case()
    {
        using var client = server.Client();
        var alert = await client.PostJsonAsync("/api/v1/alerts", Alert(Guid.NewGuid().ToString("N"))).ExpectAsync(HttpStatusCode.Created);
        var problem = await client.PostAsync($"/api/v1/alerts/{alert.Id()}/merge/999999", null).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("case 999999", Problem.Detail(problem));
    }

    [Fact]
    public async Task A_rejected_bulk_post_with_one_bad_item_among_many_writes_nothing()
    {
        using var client = server.Client();
        var tag = Guid.NewGuid().ToString("N");
        var existing = await client.PostJsonAsync("/api/v1/alerts", Alert(tag + "-0")).ExpectAsync(HttpStatusCode.Created);
        var auditBefore = await server.Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log"));
        var items = Enumerable.Range(0, 50).Select(i => Alert($"{tag}-{i}", $$""","tags":["{{tag}}"],"observables":[{"dataType":"ip","data":"192.0.2.{{i}}"}]""")).ToList();
        items[37] = Alert($"{tag}-37", ""","severity":7""");

        var problem = await client.PostJsonAsync("/api/v1/alerts/_bulk", "[" + string.Join(",", items) + "]").ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["[37].severity"], Problem.Fields(problem));
        var list = await client.GetAsync($"/api/v1/alerts?source=malformed&limit=500").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([existing.Id()], list.GetProperty("items").EnumerateArray().Where(a => a.GetProperty("sourceRef").GetString()!.StartsWith(tag, StringComparison.Ordinal)).Select(a => a.Id()).ToArray());
        var unchanged = await client.GetAsync($"/api/v1/alerts/{existing.Id()}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, unchanged.GetProperty("observables").GetArrayLength());
        Assert.Equal(auditBefore, await server.Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log")));
    }

    [Fact]
    public async Task A_bulk_post_whose_last_item_breaks_a_limit_writes_none_of_the_others()
    {
        using var client = server.Client();
        var tag = Guid.NewGuid().ToString("N");
        var items = Enumerable.Range(0, 10).Select(i => Alert($"{tag}-{i}")).ToList();
        items.Add(Alert($"{tag}-x", ",\"observables\":[" + string.Join(",", Enumerable.Range(0, 1001).Select(i => $$"""{"dataType":"other","data":"o{{i}}"}""")) + "]"));
        var problem = await client.PostJsonAsync("/api/v1/alerts/_bulk", "[" + string.Join(",", items) + "]").ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("[10].observables", Problem.Fields(problem));
        var list = await client.GetAsync($"/api/v1/alerts?source=malformed&limit=500").ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), a => a.GetProperty("sourceRef").GetString()!.StartsWith(tag, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bulk_body_that_is_not_a_list_or_too_long_is_a_400_naming_the_body()
    {
        using var client = server.Client();
        foreach (var body in new[] { "{}", "{\"alerts\":{}}", "\"x\"", "[" + string.Join(",", Enumerable.Repeat("{}", 1001)) + "]" })
        {
            var problem = await client.PostJsonAsync("/api/v1/alerts/_bulk", body).ExpectProblemAsync(HttpStatusCode.BadRequest);
            Assert.Equal(["body"], Problem.Fields(problem));
        }
    }

    [Fact]
    public async Task A_wrongly_typed_field_is_named_with_its_path()
    {
        using var client = server.Client();
        var body = Alert(Guid.NewGuid().ToString("N"), ""","severity":"high","tags":"x","observables":[{"dataType":"ip","data":"1.2.3.999"},{"dataType":"nope","data":"x"},5]""");
        var problem = await client.PostJsonAsync("/api/v1/alerts", body).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["observables[0].data", "observables[1].dataType", "observables[2]", "severity", "tags"], Problem.Fields(problem).Order());
        Assert.Equal(JsonValueKind.Object, problem.GetProperty("errors").ValueKind);
    }
}

public sealed class MalformedBodyTestsOnSqlite(SqliteServer server) : MalformedBodyTests(server), IClassFixture<SqliteServer>;

public sealed class MalformedBodyTestsOnPostgres(PostgresServer server) : MalformedBodyTests(server), IClassFixture<PostgresServer>;
