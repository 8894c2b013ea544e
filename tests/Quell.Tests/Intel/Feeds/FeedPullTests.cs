using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Feeds;

/// <summary>Pulls through the durable job against a local publisher: counts, 304, changes, failures that keep everything.</summary>
public abstract class FeedPullTests(TestServer server) : IAsyncLifetime
{
    FeedSource _source = null!;

    public async Task InitializeAsync() => _source = await FeedSource.StartAsync();

    public async Task DisposeAsync() => await _source.DisposeAsync();

    async Task<long> CreateFeedAsync(HttpClient client, string url, string format = "freetext") =>
        (await client.PostAsJsonAsync("/api/v1/feeds", new { name = "pull-" + Guid.NewGuid().ToString("N")[..10], format, url })
            .ExpectAsync(HttpStatusCode.Created)).Id();

    static Task<HttpResponseMessage> PullAsync(HttpClient client, long id) => client.PostAsync($"/api/v1/feeds/{id}/pull?wait=true", null);

    Task<List<string>> ValuesAsync(long feedId) =>
        server.Db.ReadAsync(async c => (await c.QueryAsync<string>("""
            SELECT i.value FROM indicators i JOIN indicator_sources s ON s.indicator_id = i.id
            WHERE s.feed_id = @feedId ORDER BY i.value
            """, new { feedId })).AsList());

    static void AssertCounts(JsonElement pull, string outcome, int added, int updated, int removed)
    {
        Assert.Equal(outcome, pull.GetProperty("outcome").GetString());
        Assert.Equal((added, updated, removed), (pull.GetProperty("added").GetInt32(), pull.GetProperty("updated").GetInt32(), pull.GetProperty("removed").GetInt32()));
    }

    [Fact]
    public async Task A_pull_imports_the_list_a_304_changes_nothing_and_a_changed_list_adds_and_removes()
    {
        using var client = server.Client();
        _source.Body = "evil-one.example\nevil-two.example\n198.51.100.7\n";
        _source.ETag = "\"v1\"";
        var id = await CreateFeedAsync(client, _source.Url());

        AssertCounts(await PullAsync(client, id).ExpectAsync(HttpStatusCode.OK), "ok", 3, 0, 0);
        Assert.Equal(["198.51.100.7", "evil-one.example", "evil-two.example"], await ValuesAsync(id));
        var feed = await client.GetAsync($"/api/v1/feeds/{id}").ExpectAsync(HttpStatusCode.OK);
        var health = feed.GetProperty("health");
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(3, health.GetProperty("added").GetInt32());
        var firstSuccess = health.GetProperty("lastSuccessAt").GetInt64();

        AssertCounts(await PullAsync(client, id).ExpectAsync(HttpStatusCode.OK), "not-modified", 0, 0, 0);
        Assert.Equal([null, "\"v1\""], _source.Requests.Select(r => r.IfNoneMatch));
        Assert.Equal(3, (await ValuesAsync(id)).Count);

        _source.Body = "evil-one.example\nevil-three.example\n198.51.100.7\n";
        _source.ETag = "\"v2\"";
        AssertCounts(await PullAsync(client, id).ExpectAsync(HttpStatusCode.OK), "ok", 1, 2, 1);
        Assert.Equal(["198.51.100.7", "evil-one.example", "evil-three.example"], await ValuesAsync(id));
        health = (await client.GetAsync($"/api/v1/feeds/{id}").ExpectAsync(HttpStatusCode.OK)).GetProperty("health");
        Assert.Equal(1, health.GetProperty("removed").GetInt32());
        Assert.True(health.GetProperty("lastSuccessAt").GetInt64() >= firstSuccess);

        var pulls = (await client.GetAsync($"/api/v1/feeds/{id}/pulls").ExpectAsync(HttpStatusCode.OK)).GetProperty("items");
        Assert.Equal(["ok", "not-modified", "ok"], pulls.EnumerateArray().Select(p => p.GetProperty("outcome").GetString()));
        Assert.All(pulls.EnumerateArray(), p => Assert.Equal("manual", p.GetProperty("trigger").GetString()));
    }

    [Fact]
    public async Task A_failed_truncated_or_unreadable_pull_marks_the_feed_failed_and_keeps_its_indicators()
    {
        using var client = server.Client();
        _source.Body = string.Join('\n', Enumerable.Range(0, 400).Select(i => $"kept{i}.example"));
        var id = await CreateFeedAsync(client, _source.Url());
        await PullAsync(client, id).ExpectAsync(HttpStatusCode.OK);
        var lastSuccess = (await client.GetAsync($"/api/v1/feeds/{id}").ExpectAsync(HttpStatusCode.OK)).GetProperty("health").GetProperty("lastSuccessAt").GetInt64();

        _source.FailWith = 500;
        var problem = await PullAsync(client, id).ExpectProblemAsync(HttpStatusCode.BadGateway);
        Assert.Contains("HTTP 500", Problem.Detail(problem));
        Assert.Equal("failed", problem.GetProperty("pull").GetProperty("outcome").GetString());
        var health = (await client.GetAsync($"/api/v1/feeds/{id}").ExpectAsync(HttpStatusCode.OK)).GetProperty("health");
        Assert.Equal("failed", health.GetProperty("status").GetString());
        Assert.Contains("HTTP 500", health.GetProperty("lastError").GetString());
        Assert.Equal(lastSuccess, health.GetProperty("lastSuccessAt").GetInt64());
        Assert.Equal(400, (await ValuesAsync(id)).Count);

        _source.FailWith = null;
        _source.Truncate = true;
        // Cut off after the headers ("broke off") or, when the reset overtakes them, before ("cannot fetch"): either way a failure naming the URL.
        Assert.Contains(_source.Url(), Problem.Detail(await PullAsync(client, id).ExpectProblemAsync(HttpStatusCode.BadGateway)));
        Assert.Equal(400, (await ValuesAsync(id)).Count);

        _source.Truncate = false;
        _source.Body = "<html>\n<body>Service temporarily unavailable</body>\n</html>\n";
        Assert.Contains("no item of the feed could be read", Problem.Detail(await PullAsync(client, id).ExpectProblemAsync(HttpStatusCode.BadGateway)));
        _source.Body = "";
        Assert.Contains("empty", Problem.Detail(await PullAsync(client, id).ExpectProblemAsync(HttpStatusCode.BadGateway)));
        Assert.Equal(400, (await ValuesAsync(id)).Count);

        // The source recovers: the feed is healthy again.
        _source.Body = "kept0.example\n";
        AssertCounts(await PullAsync(client, id).ExpectAsync(HttpStatusCode.OK), "ok", 0, 1, 399);
        Assert.Equal("ok", (await client.GetAsync($"/api/v1/feeds/{id}").ExpectAsync(HttpStatusCode.OK)).GetProperty("health").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Item_errors_are_counted_and_shown_while_the_rest_is_imported()
    {
        using var client = server.Client();
        _source.Body = "good.example\nthis is not an indicator\nhttp://bad\u0001.example/\n203.0.113.9\n";
        var id = await CreateFeedAsync(client, _source.Url());
        var pull = await PullAsync(client, id).ExpectAsync(HttpStatusCode.OK);
        AssertCounts(pull, "ok", 2, 0, 0);
        Assert.Equal(2, pull.GetProperty("rejected").GetInt32());
        var errors = (await client.GetAsync($"/api/v1/feeds/{id}").ExpectAsync(HttpStatusCode.OK)).GetProperty("health").GetProperty("itemErrors");
        Assert.Equal(2, errors.GetArrayLength());
        Assert.Equal("line 2", errors[0].GetProperty("where").GetString());
        Assert.DoesNotContain('\u0001', errors[1].GetProperty("message").GetString()!);
    }

    [Fact]
    public async Task Without_wait_the_pull_is_accepted_as_a_job_that_runs_in_the_background()
    {
        using var client = server.Client();
        _source.Body = "background.example\n";
        var id = await CreateFeedAsync(client, _source.Url());
        var accepted = await client.PostAsync($"/api/v1/feeds/{id}/pull", null).ExpectAsync(HttpStatusCode.Accepted);
        Assert.True(accepted.GetProperty("jobId").GetInt64() > 0);
        JsonElement items = default;
        // Generous: the job worker polls, and CI machines are slow and loaded.
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(60);
        while (TimeProvider.System.GetUtcNow() < deadline)
        {
            items = (await client.GetAsync($"/api/v1/feeds/{id}/pulls").ExpectAsync(HttpStatusCode.OK)).GetProperty("items");
            if (items.GetArrayLength() == 1 && items[0].GetProperty("outcome").GetString() != "running")
                break;
            await Task.Delay(50);
        }
        Assert.True(items.GetArrayLength() == 1, $"the background pull did not finish within a minute: {items}");
        Assert.Equal("ok", items[0].GetProperty("outcome").GetString());
        Assert.Equal(accepted.GetProperty("jobId").GetInt64(), items[0].GetProperty("jobId").GetInt64());
        Assert.Equal(["background.example"], await ValuesAsync(id));
    }

    [Fact]
    public async Task A_local_file_feed_is_pulled_and_a_missing_file_fails_with_its_path()
    {
        using var client = server.Client();
        var path = Path.Combine(server.DataDirectory, $"feed-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(path, "file-feed.example\n192.0.2.44\n");
        var id = await CreateFeedAsync(client, path);
        AssertCounts(await PullAsync(client, id).ExpectAsync(HttpStatusCode.OK), "ok", 2, 0, 0);
        var fileUrlId = await CreateFeedAsync(client, new Uri(path).AbsoluteUri);
        // "added" counts links new to this feed, so the second feed adds both values the first one already brought.
        AssertCounts(await PullAsync(client, fileUrlId).ExpectAsync(HttpStatusCode.OK), "ok", 2, 0, 0);

        File.Delete(path);
        Assert.Contains(path, Problem.Detail(await PullAsync(client, id).ExpectProblemAsync(HttpStatusCode.BadGateway)));
        Assert.Equal(2, (await ValuesAsync(id)).Count);
    }

    [Fact]
    public async Task A_feed_pointing_at_the_metadata_address_fails_without_reaching_it()
    {
        using var client = server.Client();
        var id = await CreateFeedAsync(client, "http://169.254.169.254/latest/meta-data/");
        Assert.Contains("link-local", Problem.Detail(await PullAsync(client, id).ExpectProblemAsync(HttpStatusCode.BadGateway)));
    }

    [Fact]
    public async Task Deleting_a_feed_removes_its_links_and_keeps_indicators_another_feed_holds()
    {
        using var client = server.Client();
        _source.Body = "shared.example\nonly-a.example\n";
        var a = await CreateFeedAsync(client, _source.Url("/a.txt"));
        await PullAsync(client, a).ExpectAsync(HttpStatusCode.OK);
        var path = Path.Combine(server.DataDirectory, $"b-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(path, "shared.example\n");
        var b = await CreateFeedAsync(client, path);
        await PullAsync(client, b).ExpectAsync(HttpStatusCode.OK);

        (await client.DeleteAsync($"/api/v1/feeds/{a}")).EnsureSuccessStatusCode();
        Assert.Empty(await ValuesAsync(a));
        Assert.Equal(["shared.example"], await ValuesAsync(b));
        var orphans = await server.Db.ReadAsync(c => c.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM indicators WHERE value = 'only-a.example'"));
        Assert.Equal(0, orphans);
    }
}

public sealed class FeedPullTestsOnSqlite(FeedSqliteServer server) : FeedPullTests(server), IClassFixture<FeedSqliteServer>;

public sealed class FeedPullTestsOnPostgres(FeedPostgresServer server) : FeedPullTests(server), IClassFixture<FeedPostgresServer>;
