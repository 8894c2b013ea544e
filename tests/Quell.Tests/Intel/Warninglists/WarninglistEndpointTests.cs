using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Quell.Intel.Warninglists;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Warninglists;

/// <summary>A server started with the 14 shared lists, as `quell serve --warninglists ../shared/testdata/warninglists`.</summary>
public class SqliteServerWithWarninglists : SqliteServer
{
    protected override string? Warninglists => TestData.Shared("warninglists");
}

public class PostgresServerWithWarninglists : PostgresServer
{
    protected override string? Warninglists => TestData.Shared("warninglists");
}

public abstract class WarninglistEndpointTests(TestServer server)
{
    static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    static string[] HitLists(JsonElement result) => result.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("list").GetString()!).ToArray();

    [Fact]
    public async Task The_listing_shows_the_loaded_lists_then_the_sanity_checks()
    {
        using var client = server.Client();
        var body = await Json(await client.GetAsync("/api/v1/warninglists"), HttpStatusCode.OK);
        var lists = body.GetProperty("lists").EnumerateArray().ToList();
        Assert.Equal(14, lists.Count(l => l.GetProperty("source").GetString() == "misp"));
        Assert.Equal(4, lists.Count(l => l.GetProperty("source").GetString() == "quell"));
        var dns = lists.Single(l => l.GetProperty("name").GetString() == "List of known IPv4 public DNS resolvers");
        Assert.Equal("cidr", dns.GetProperty("type").GetString());
        Assert.Equal(62745, dns.GetProperty("entries").GetInt32());
        Assert.Equal(20240615, dns.GetProperty("version").GetInt64());
        Assert.Contains("ip-dst", dns.GetProperty("matchingAttributes").EnumerateArray().Select(a => a.GetString()));
        Assert.EndsWith("list.json", dns.GetProperty("path").GetString());
        Assert.Empty(body.GetProperty("skipped").EnumerateArray());
    }

    [Fact]
    public async Task Check_detects_types_normalizes_and_returns_hits_per_value()
    {
        using var client = server.Client(await server.CreateUserKeyAsync("read-only"));
        var body = await Json(await client.PostAsJsonAsync("/api/v1/warninglists/check", new
        {
            values = new object[]
            {
                new { value = "8.8.8.8" },
                new { type = "domain", value = "Mail.Google.COM" },
                new { value = "hxxps://bit[.]ly/abc" },
                new { type = "ip-dst", value = "10.1.2.3" },
                new { type = "domain", value = "quell-unlisted.example" },
                new { type = "md5", value = "not-a-hash" },
            },
        }), HttpStatusCode.OK);
        var results = body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(6, results.Count);
        Assert.Equal("ip-dst", results[0].GetProperty("type").GetString());
        Assert.Contains("List of known IPv4 public DNS resolvers", HitLists(results[0]));
        Assert.Equal("mail.google.com", results[1].GetProperty("normalized").GetString());
        Assert.Contains("Top 10K most-used sites from Tranco", HitLists(results[1]));
        Assert.Contains(SanityChecks.TopSite, HitLists(results[1]));
        Assert.Equal("url", results[2].GetProperty("type").GetString());
        Assert.Contains("List of known URL Shorteners domains", HitLists(results[2]));
        var rfc1918 = results[3].GetProperty("hits").EnumerateArray().First(h => h.GetProperty("list").GetString() == "List of RFC 1918 CIDR blocks");
        Assert.Equal("10.0.0.0/8", rfc1918.GetProperty("match").GetString());
        Assert.Contains(SanityChecks.ReservedAddress, HitLists(results[3]));
        Assert.Empty(HitLists(results[4]));
        Assert.Contains("32 hexadecimal digits", results[5].GetProperty("error").GetString());
    }

    [Fact]
    public async Task Bad_check_bodies_are_problems_naming_the_field()
    {
        using var client = server.Client();
        var noValues = await client.PostJsonAsync("/api/v1/warninglists/check", """{"value":"8.8.8.8"}""").ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("values", Problem.Fields(noValues));
        var badType = await client.PostJsonAsync("/api/v1/warninglists/check", """{"values":[{"value":"a.example"},{"type":"nope","value":"x"},{"type":"domain"}]}""")
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("values[1].type", Problem.Fields(badType));
        Assert.Contains("values[2].value", Problem.Fields(badType));
        var many = "{\"values\":[" + string.Join(',', Enumerable.Repeat("{\"value\":\"8.8.8.8\"}", WarninglistEndpoints.MaxCheckValues + 1)) + "]}";
        Assert.Contains("values", Problem.Fields(await client.PostJsonAsync("/api/v1/warninglists/check", many).ExpectProblemAsync(HttpStatusCode.BadRequest)));
    }

    [Fact]
    public async Task Anonymous_callers_are_refused()
    {
        using var anonymous = server.Client(apiKey: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/warninglists")).StatusCode);
    }
}

public sealed class WarninglistEndpointTestsOnSqlite(SqliteServerWithWarninglists server) : WarninglistEndpointTests(server), IClassFixture<SqliteServerWithWarninglists>;

public sealed class WarninglistEndpointTestsOnPostgres(PostgresServerWithWarninglists server) : WarninglistEndpointTests(server), IClassFixture<PostgresServerWithWarninglists>;

/// <summary>A server started without --warninglists has the sanity checks only.</summary>
public sealed class WarninglistSanityOnlyServerTests(SqliteServer server) : IClassFixture<SqliteServer>
{
    [Fact]
    public async Task Without_a_directory_only_the_sanity_checks_are_listed_and_apply()
    {
        using var client = server.Client();
        var lists = (await client.GetFromJsonAsync<JsonElement>("/api/v1/warninglists")).GetProperty("lists").EnumerateArray()
            .Select(l => l.GetProperty("name").GetString()!).ToArray();
        Assert.Equal([SanityChecks.ReservedAddress, SanityChecks.EmptyFileHash, SanityChecks.TooShort, SanityChecks.TopSite], lists);
        var check = await client.PostAsJsonAsync("/api/v1/warninglists/check", new { values = new[] { new { value = "https://www.google.com/" } } });
        var hits = (await check.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results")[0].GetProperty("hits");
        Assert.Equal(SanityChecks.TopSite, Assert.Single(hits.EnumerateArray()).GetProperty("list").GetString());
    }
}
