using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Quell.Intel.Feeds;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Feeds;

/// <summary>Registering, reading, changing and removing feeds through /api/v1/feeds.</summary>
public abstract class FeedEndpointsTests(TestServer server)
{
    static string NewName() => "feed-" + Guid.NewGuid().ToString("N")[..10];

    static async Task<JsonElement> CreateAsync(HttpClient client, object body) =>
        await client.PostAsJsonAsync("/api/v1/feeds", body).ExpectAsync(HttpStatusCode.Created);

    [Fact]
    public async Task Posting_the_contract_fields_registers_a_feed_that_was_never_pulled()
    {
        using var client = server.Client();
        var name = NewName();
        var created = await client.PostAsJsonAsync("/api/v1/feeds", new { name, format = "freetext", url = "/srv/feeds/openphish.txt" });
        var feed = await created.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/feeds/{feed.Id()}", created.Headers.Location?.ToString());
        Assert.Equal(name, feed.GetProperty("name").GetString());
        Assert.Equal("freetext", feed.GetProperty("format").GetString());
        Assert.True(feed.GetProperty("enabled").GetBoolean());
        Assert.Equal("flag", feed.GetProperty("warninglistPolicy").GetString());
        var health = feed.GetProperty("health");
        Assert.Equal("never", health.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, health.GetProperty("lastSuccessAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, health.GetProperty("nextRunAt").ValueKind);

        var read = await client.GetAsync($"/api/v1/feeds/{feed.Id()}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(name, read.GetProperty("name").GetString());
        var list = await client.GetAsync("/api/v1/feeds").ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(list.GetProperty("items").EnumerateArray(), f => f.Id() == feed.Id());
        var actions = await server.Db.ReadAsync(c => c.QueryAsync<string>(
            "SELECT action FROM audit_log WHERE entity_type = 'feed' AND entity_id = @id", new { id = feed.Id().ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        Assert.Equal(["feed.create"], actions);
    }

    [Fact]
    public async Task Every_format_of_the_contract_is_accepted_with_http_file_and_path_urls()
    {
        using var client = server.Client();
        string[] urls = ["https://feeds.example.org/list", "http://10.0.0.5/taxii2/", "file:///srv/feeds/x.json", "relative/feed.csv"];
        var i = 0;
        foreach (var format in FeedFormats.All)
            await CreateAsync(client, new { name = NewName(), format, url = urls[i++ % urls.Length] });
    }

    [Fact]
    public async Task Invalid_fields_are_refused_with_a_problem_naming_each_field()
    {
        using var client = server.Client();
        var missing = await client.PostJsonAsync("/api/v1/feeds", "{}").ExpectProblemAsync(HttpStatusCode.BadRequest);
        var errors = missing.GetProperty("errors");
        Assert.True(errors.TryGetProperty("name", out _));
        Assert.True(errors.TryGetProperty("format", out _));
        Assert.True(errors.TryGetProperty("url", out _));

        var bad = await client.PostAsJsonAsync("/api/v1/feeds", new
        {
            name = NewName(),
            format = "rss",
            url = "ftp://feeds.example.org/x",
            schedule = "every day",
            warninglistPolicy = "ignore",
            tlp = "PURPLE",
            tags = new object[] { 1 },
            enabled = "yes",
            options = new[] { "a" },
        }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        errors = bad.GetProperty("errors");
        foreach (var field in new[] { "format", "url", "schedule", "warninglistPolicy", "tlp", "tags[0]", "enabled", "options" })
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {bad}");
        Assert.Contains("misp, misp-instance, stix, taxii, csv, freetext, phishtank, urlhaus, feodo, threatfox", errors.GetProperty("format")[0].GetString());

        var hostile = await client.PostAsJsonAsync("/api/v1/feeds", new { name = "a\u0001b", format = "csv", url = "/x\u0000" }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(hostile.GetProperty("errors").TryGetProperty("name", out _));
        Assert.True(hostile.GetProperty("errors").TryGetProperty("url", out _));
        await client.PostJsonAsync("/api/v1/feeds", "{\"name\": ").ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_second_feed_with_the_same_name_is_a_conflict()
    {
        using var client = server.Client();
        var name = NewName();
        await CreateAsync(client, new { name, format = "csv", url = "/srv/a.csv" });
        var problem = await client.PostAsJsonAsync("/api/v1/feeds", new { name, format = "csv", url = "/srv/b.csv" }).ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("name", Problem.Detail(problem));
    }

    [Fact]
    public async Task Secret_options_are_stored_encrypted_and_shown_masked()
    {
        using var client = server.Client();
        var feed = await CreateAsync(client, new
        {
            name = NewName(),
            format = "misp-instance",
            url = "https://misp.example.org",
            options = new { apiKey = "s3cret-misp-key", limit = 500, published = true },
        });
        var options = feed.GetProperty("options");
        Assert.Equal(FeedSecrets.Mask, options.GetProperty("apiKey").GetString());
        Assert.Equal("500", options.GetProperty("limit").GetString());
        Assert.Equal("true", options.GetProperty("published").GetString());
        var row = await server.Db.ReadAsync(c => c.QuerySingleAsync<(string Options, string Secrets)>(
            "SELECT options, secrets FROM feeds WHERE id = @id", new { id = feed.Id() }));
        Assert.DoesNotContain("s3cret", row.Options);
        Assert.DoesNotContain("s3cret", row.Secrets);
        var audit = await server.Db.ReadAsync(c => c.QueryAsync<string>("SELECT after_json FROM audit_log WHERE entity_type = 'feed'"));
        Assert.DoesNotContain(audit, a => a.Contains("s3cret", StringComparison.Ordinal));

        var changed = await client.PatchJsonAsync($"/api/v1/feeds/{feed.Id()}", new { options = new Dictionary<string, object?> { ["apiKey"] = null } })
            .ExpectAsync(HttpStatusCode.OK);
        Assert.False(changed.GetProperty("options").TryGetProperty("apiKey", out _));
        Assert.Equal("500", changed.GetProperty("options").GetProperty("limit").GetString());
    }

    [Fact]
    public async Task Patch_changes_settings_sets_and_clears_the_next_run_and_is_audited()
    {
        using var client = server.Client();
        var feed = await CreateAsync(client, new { name = NewName(), format = "freetext", url = "/srv/a.txt" });
        var id = feed.Id();

        var scheduled = await client.PatchJsonAsync($"/api/v1/feeds/{id}", new { schedule = "0 */6 * * *", tlp = "amber", tags = new[] { "source:x" } })
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("0 */6 * * *", scheduled.GetProperty("schedule").GetString());
        Assert.Equal("AMBER", scheduled.GetProperty("tlp").GetString());
        Assert.Equal(["source:x"], scheduled.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var next = scheduled.GetProperty("health").GetProperty("nextRunAt").GetInt64();
        var now = ((IClockedServer)server).Clock.GetUtcNow();
        Assert.InRange(DateTimeOffset.FromUnixTimeMilliseconds(next), now, now.AddHours(6));
        Assert.Equal(0, DateTimeOffset.FromUnixTimeMilliseconds(next).UtcDateTime.Hour % 6);

        var disabled = await client.PatchJsonAsync($"/api/v1/feeds/{id}", new { enabled = false }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, disabled.GetProperty("health").GetProperty("nextRunAt").ValueKind);
        var enabled = await client.PatchJsonAsync($"/api/v1/feeds/{id}", new { enabled = true }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(next, enabled.GetProperty("health").GetProperty("nextRunAt").GetInt64());
        var cleared = await client.PatchAsync($"/api/v1/feeds/{id}", JsonContent.Create(new { schedule = (string?)null })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("schedule").ValueKind);
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("health").GetProperty("nextRunAt").ValueKind);

        await client.PatchJsonAsync($"/api/v1/feeds/{id}", new { format = "gopher" }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await client.PatchJsonAsync("/api/v1/feeds/999999", new { enabled = true }).ExpectProblemAsync(HttpStatusCode.NotFound);
        var actions = await server.Db.ReadAsync(c => c.QueryAsync<string>(
            "SELECT action FROM audit_log WHERE entity_type = 'feed' AND entity_id = @id ORDER BY id", new { id = id.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        Assert.Equal(["feed.create", "feed.update", "feed.update", "feed.update", "feed.update"], actions);
    }

    [Fact]
    public async Task Delete_removes_the_feed_and_its_history()
    {
        using var client = server.Client();
        var id = (await CreateAsync(client, new { name = NewName(), format = "freetext", url = "/srv/a.txt" })).Id();
        (await client.DeleteAsync($"/api/v1/feeds/{id}")).EnsureSuccessStatusCode();
        await client.GetAsync($"/api/v1/feeds/{id}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await client.GetAsync($"/api/v1/feeds/{id}/pulls").ExpectProblemAsync(HttpStatusCode.NotFound);
        await client.DeleteAsync($"/api/v1/feeds/{id}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await client.PostAsync($"/api/v1/feeds/{id}/pull", null).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_read_only_user_reads_feeds_but_cannot_change_or_pull_them()
    {
        using var admin = server.Client();
        using var reader = server.Client(await server.CreateUserKeyAsync("read-only"));
        var id = (await CreateAsync(admin, new { name = NewName(), format = "freetext", url = "/srv/a.txt" })).Id();
        await reader.GetAsync($"/api/v1/feeds/{id}").ExpectAsync(HttpStatusCode.OK);
        await reader.GetAsync($"/api/v1/feeds/{id}/pulls").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsJsonAsync("/api/v1/feeds", new { name = NewName(), format = "csv", url = "/x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync($"/api/v1/feeds/{id}/pull", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.DeleteAsync($"/api/v1/feeds/{id}")).StatusCode);
    }

    [Fact]
    public async Task Another_organisation_does_not_see_the_feed()
    {
        using var admin = server.Client();
        var id = (await CreateAsync(admin, new { name = NewName(), format = "freetext", url = "/srv/a.txt" })).Id();
        var tenant = await Tenants.CreateAsync(server);
        using var other = server.Client(tenant.AdminKey);
        await other.GetAsync($"/api/v1/feeds/{id}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await other.PatchJsonAsync($"/api/v1/feeds/{id}", new { enabled = false }).ExpectProblemAsync(HttpStatusCode.NotFound);
        await other.PostAsync($"/api/v1/feeds/{id}/pull", null).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain((await other.GetAsync("/api/v1/feeds").ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray(), f => f.Id() == id);
    }
}

public sealed class FeedEndpointsTestsOnSqlite(FeedSqliteServer server) : FeedEndpointsTests(server), IClassFixture<FeedSqliteServer>;

public sealed class FeedEndpointsTestsOnPostgres(FeedPostgresServer server) : FeedEndpointsTests(server), IClassFixture<FeedPostgresServer>;
