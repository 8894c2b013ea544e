using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Matching;

/// <summary><c>POST /api/v1/intel/lookup</c> against indicators stored through the API: the issue's contract.</summary>
public abstract class IntelLookupTests(TestServer server)
{
    static async Task<JsonElement> LookupAsync(HttpClient client, params string[] values) =>
        await client.PostAsJsonAsync("/api/v1/intel/lookup", new { values }).ExpectAsync(HttpStatusCode.OK);

    [Fact]
    public async Task Stored_indicators_match_raw_values_with_sources_score_and_warninglists()
    {
        using var client = server.Client();
        var domain = $"{Guid.NewGuid():N}.example";
        var hash = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        await client.PostAsJsonAsync("/api/v1/indicators", new { type = "domain", value = domain, source = "lookup-test" }).ExpectAsync(HttpStatusCode.Created);
        await client.PostAsJsonAsync("/api/v1/indicators", new { type = "sha256", value = hash, source = "lookup-test" }).ExpectAsync(HttpStatusCode.Created);
        await client.PostAsJsonAsync("/api/v1/indicators", new { type = "ip-dst", value = "203.0.113.0/24", source = "lookup-test" }).ExpectAsync(HttpStatusCode.Created);

        var answer = await LookupAsync(client, $"hxxps://login.{domain.Replace(".", "[.]", StringComparison.Ordinal)}/owa", hash.ToUpperInvariant(), "203.0.113.77", "not-listed.example", "10.1.2.3");

        var results = answer.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(5, results.Count);
        var url = Assert.Single(results[0].GetProperty("matches").EnumerateArray());
        Assert.Equal(("domain", domain), (url.GetProperty("type").GetString(), url.GetProperty("value").GetString()));
        Assert.Contains("lookup-test", url.GetProperty("sources").EnumerateArray().Select(s => s.GetString()));
        Assert.InRange(url.GetProperty("score").GetDouble(), 1, 100);
        Assert.Equal(hash, Assert.Single(results[1].GetProperty("matches").EnumerateArray()).GetProperty("value").GetString());
        Assert.Equal("203.0.113.0/24", Assert.Single(results[2].GetProperty("matches").EnumerateArray()).GetProperty("value").GetString());
        Assert.Empty(results[3].GetProperty("matches").EnumerateArray());
        Assert.Empty(results[4].GetProperty("matches").EnumerateArray());
        // A private address is on the built-in sanity list even with no MISP warninglists loaded.
        Assert.NotEmpty(results[4].GetProperty("warninglists").EnumerateArray());
        Assert.Equal("10.1.2.3", results[4].GetProperty("value").GetString());
    }

    [Fact]
    public async Task Another_organisations_indicators_never_match()
    {
        using var admin = server.Client();
        var domain = $"{Guid.NewGuid():N}.example";
        await admin.PostAsJsonAsync("/api/v1/indicators", new { type = "domain", value = domain }).ExpectAsync(HttpStatusCode.Created);
        var otherKey = await server.CreateOtherOrganisationKeyAsync();
        using var other = server.Client(otherKey);

        var answer = await LookupAsync(other, domain);

        Assert.Empty(Assert.Single(answer.GetProperty("results").EnumerateArray()).GetProperty("matches").EnumerateArray());
    }

    [Fact]
    public async Task A_deleted_indicator_stops_matching_even_when_a_new_one_takes_its_id()
    {
        using var client = server.Client();
        var gone = $"{Guid.NewGuid():N}.example";
        var next = $"{Guid.NewGuid():N}.example";
        var goneId = (await client.PostAsJsonAsync("/api/v1/indicators", new { type = "domain", value = gone }).ExpectAsync(HttpStatusCode.Created)).Id();
        Assert.Single((await LookupAsync(client, gone)).GetProperty("results")[0].GetProperty("matches").EnumerateArray());
        (await client.DeleteAsync($"/api/v1/indicators/{goneId}")).EnsureSuccessStatusCode();
        // SQLite gives the highest deleted id to the next row: the matcher still holds the old value under it.
        var nextId = (await client.PostAsJsonAsync("/api/v1/indicators", new { type = "domain", value = next }).ExpectAsync(HttpStatusCode.Created)).Id();

        var answer = await LookupAsync(client, gone, next);

        Assert.Empty(answer.GetProperty("results")[0].GetProperty("matches").EnumerateArray());
        Assert.Equal(nextId, Assert.Single(answer.GetProperty("results")[1].GetProperty("matches").EnumerateArray()).GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task Bad_bodies_are_problems_naming_the_field()
    {
        using var client = server.Client();
        var notArray = await client.PostAsJsonAsync("/api/v1/intel/lookup", new { values = "x" }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("values", notArray.GetRawText(), StringComparison.Ordinal);
        var badItem = await client.PostAsJsonAsync("/api/v1/intel/lookup", new { values = new object[] { "ok.example", 5 } }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("values[1]", badItem.GetRawText(), StringComparison.Ordinal);
        var tooMany = await client.PostAsJsonAsync("/api/v1/intel/lookup", new { values = Enumerable.Repeat("a.example", 10_001) }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("at most 10000", tooMany.GetRawText(), StringComparison.Ordinal);
    }
}

public sealed class IntelLookupTestsOnSqlite(SqliteServer server) : IntelLookupTests(server), IClassFixture<SqliteServer>;

public sealed class IntelLookupTestsOnPostgres(PostgresServer server) : IntelLookupTests(server), IClassFixture<PostgresServer>;
