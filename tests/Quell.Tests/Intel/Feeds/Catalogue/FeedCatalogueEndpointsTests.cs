using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Quell.Intel.Feeds.Catalogue;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Feeds.Catalogue;

/// <summary>GET /api/v1/feeds/catalogue and POST /api/v1/feeds/catalogue/{entryId}: the shipped catalogue per organisation, one-click feeds.</summary>
public abstract class FeedCatalogueEndpointsTests(TestServer server)
{
    static FeedCatalogueEntry Circl => FeedCatalogue.Default.Entries.Single(e => e.Name == "CIRCL OSINT Feed");

    async Task<HttpClient> TenantClientAsync() => server.Client((await Tenants.CreateAsync(server)).AdminKey);

    static async Task<List<JsonElement>> ItemsAsync(HttpClient client) =>
        (await client.GetAsync("/api/v1/feeds/catalogue").ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();

    [Fact]
    public async Task The_catalogue_lists_every_entry_with_its_terms_and_whether_the_organisation_has_it()
    {
        using var client = await TenantClientAsync();
        var items = await ItemsAsync(client);

        Assert.Equal(FeedCatalogue.Default.Entries.Select(e => e.Id), items.Select(i => i.GetProperty("id").GetString()));
        var circl = items.Single(i => i.GetProperty("id").GetString() == Circl.Id);
        Assert.Equal("CIRCL OSINT Feed", circl.GetProperty("name").GetString());
        Assert.Equal("CIRCL", circl.GetProperty("provider").GetString());
        Assert.Equal("https://www.circl.lu/doc/misp/feed-osint", circl.GetProperty("url").GetString());
        Assert.Equal("misp", circl.GetProperty("format").GetString());
        Assert.Contains("CIRCL", circl.GetProperty("terms").GetString());
        Assert.StartsWith("https://www.circl.lu/", circl.GetProperty("termsUrl").GetString(), StringComparison.Ordinal);
        Assert.All(items, i =>
        {
            Assert.False(i.GetProperty("added").GetBoolean());
            Assert.Equal(JsonValueKind.Null, i.GetProperty("feedId").ValueKind);
            Assert.False(string.IsNullOrEmpty(i.GetProperty("termsUrl").GetString()));
        });

        // A feed registered by hand with the entry's URL counts as having it, under any name.
        var urlhaus = FeedCatalogue.Default.Entries.First(e => e.Format == "urlhaus");
        var feed = await client.PostAsJsonAsync("/api/v1/feeds", new { name = "my urlhaus", format = "urlhaus", url = urlhaus.Url }).ExpectAsync(HttpStatusCode.Created);
        var after = (await ItemsAsync(client)).Single(i => i.GetProperty("id").GetString() == urlhaus.Id);
        Assert.True(after.GetProperty("added").GetBoolean());
        Assert.Equal(feed.Id(), after.GetProperty("feedId").GetInt64());
        using var other = await TenantClientAsync();
        Assert.False((await ItemsAsync(other)).Single(i => i.GetProperty("id").GetString() == urlhaus.Id).GetProperty("added").GetBoolean());
    }

    [Fact]
    public async Task Enabling_an_entry_creates_its_feed_once_and_a_local_mirror_pulls_offline()
    {
        using var client = await TenantClientAsync();
        var mirror = TestData.Shared("misp", "feed");
        var created = await client.PostAsJsonAsync($"/api/v1/feeds/catalogue/{Circl.Id}", new { url = mirror }).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("CIRCL OSINT Feed", created.GetProperty("name").GetString());
        Assert.Equal("misp", created.GetProperty("format").GetString());
        Assert.Equal(mirror, created.GetProperty("url").GetString());
        Assert.Equal(FeedCatalogueEndpoints.DefaultSchedule, created.GetProperty("schedule").GetString());
        Assert.True(created.GetProperty("enabled").GetBoolean());
        Assert.Equal(Circl.Tags, created.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        var listed = (await ItemsAsync(client)).Single(i => i.GetProperty("id").GetString() == Circl.Id);
        Assert.True(listed.GetProperty("added").GetBoolean());
        Assert.Equal(created.Id(), listed.GetProperty("feedId").GetInt64());
        var again = await client.PostAsync($"/api/v1/feeds/catalogue/{Circl.Id}", null).ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains($"feed {created.Id()}", Problem.Detail(again));

        var pull = await client.PostAsync($"/api/v1/feeds/{created.Id()}/pull?wait=true", null).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("ok", pull.GetProperty("outcome").GetString());
        // The feed's 458 indicators are 436 distinct (type, normalized value): a value in two events is one indicator.
        Assert.Equal(436, pull.GetProperty("added").GetInt32());
        Assert.Equal(2, pull.GetProperty("rejected").GetInt32());
    }

    [Fact]
    public async Task One_click_without_a_body_uses_the_providers_url_and_bad_choices_are_refused_by_field()
    {
        using var client = await TenantClientAsync();
        var botvrij = FeedCatalogue.Default.Entries.Single(e => e.Provider == "Botvrij.eu");
        var bad = await client.PostAsJsonAsync($"/api/v1/feeds/catalogue/{botvrij.Id}", new { url = "ftp://mirror.example/feed", schedule = "daily" })
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("url", Problem.Fields(bad));
        Assert.Contains("schedule", Problem.Fields(bad));
        await client.PostAsJsonAsync($"/api/v1/feeds/catalogue/{botvrij.Id}", new[] { 1 }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await client.PostAsync("/api/v1/feeds/catalogue/no-such-feed-00000000", null).ExpectProblemAsync(HttpStatusCode.NotFound);

        var created = await client.PostAsync($"/api/v1/feeds/catalogue/{botvrij.Id}", null).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(botvrij.Url, created.GetProperty("url").GetString());
        var onDemand = FeedCatalogue.Default.Entries.Single(e => e.Format == "feodo");
        var unscheduled = await client.PostAsJsonAsync($"/api/v1/feeds/catalogue/{onDemand.Id}", new { schedule = (string?)null, enabled = false })
            .ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(JsonValueKind.Null, unscheduled.GetProperty("schedule").ValueKind);
        Assert.False(unscheduled.GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task Only_feed_managers_enable_entries_and_readers_see_the_catalogue()
    {
        using var analyst = server.Client(await server.CreateUserKeyAsync("analyst"));
        using var reader = server.Client(await server.CreateUserKeyAsync("read-only"));
        Assert.NotEmpty(await ItemsAsync(reader));
        await analyst.PostAsync($"/api/v1/feeds/catalogue/{Circl.Id}", null).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await reader.PostAsync($"/api/v1/feeds/catalogue/{Circl.Id}", null).ExpectProblemAsync(HttpStatusCode.Forbidden);
        using var anonymous = server.Client(null);
        await anonymous.GetAsync("/api/v1/feeds/catalogue").ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }
}

public sealed class FeedCatalogueEndpointsTestsOnSqlite(FeedSqliteServer server) : FeedCatalogueEndpointsTests(server), IClassFixture<FeedSqliteServer>;

public sealed class FeedCatalogueEndpointsTestsOnPostgres(FeedPostgresServer server) : FeedCatalogueEndpointsTests(server), IClassFixture<FeedPostgresServer>;
