using System.Net;
using System.Net.Http.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Feeds;

/// <summary>Local feeds through the API: registered and pulled only below the server's Feeds:LocalDirectories.</summary>
public abstract class LocalFeedDirectoriesTests(TestServer server) : IDisposable
{
    // Test servers allow the temporary folder (LocalFeeds.Directories); /etc is outside it.
    readonly string _dir = Directory.CreateTempSubdirectory("quell-local-feed-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static string NewName() => "local-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task A_file_below_an_allowed_directory_is_registered_and_pulled()
    {
        using var client = server.Client();
        var file = Path.Combine(_dir, "list.txt");
        await File.WriteAllTextAsync(file, "local-feed-one.example\nlocal-feed-two.example\n");

        foreach (var url in new[] { file, new Uri(file).AbsoluteUri })
        {
            var id = (await client.PostAsJsonAsync("/api/v1/feeds", new { name = NewName(), format = "freetext", url }).ExpectAsync(HttpStatusCode.Created)).Id();
            var pull = await client.PostAsync($"/api/v1/feeds/{id}/pull?wait=true", null).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal("ok", pull.GetProperty("outcome").GetString());
        }
    }

    [Theory]
    [InlineData("/etc/hostname")]
    [InlineData("file:///etc/hostname")]
    public async Task A_file_outside_is_refused_when_registered_naming_the_setting(string url)
    {
        using var client = server.Client();
        var problem = await client.PostAsJsonAsync("/api/v1/feeds", new { name = NewName(), format = "freetext", url }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        var message = Assert.Single(problem.GetProperty("errors").GetProperty("url").EnumerateArray()).GetString()!;
        Assert.Contains("outside the directories local feeds may read", message, StringComparison.Ordinal);
        Assert.Contains("Feeds:LocalDirectories", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_traversal_or_a_link_out_is_refused_and_a_file_swapped_for_a_link_fails_its_pull()
    {
        using var client = server.Client();
        await client.PostAsJsonAsync("/api/v1/feeds", new { name = NewName(), format = "freetext", url = Path.Combine(_dir, "..", "..", "etc", "hostname") })
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        var link = Path.Combine(_dir, "link.txt");
        File.CreateSymbolicLink(link, "/etc/hostname");
        await client.PostAsJsonAsync("/api/v1/feeds", new { name = NewName(), format = "freetext", url = link }).ExpectProblemAsync(HttpStatusCode.BadRequest);

        var swapped = Path.Combine(_dir, "swapped.txt");
        await File.WriteAllTextAsync(swapped, "local-feed-three.example\n");
        var id = (await client.PostAsJsonAsync("/api/v1/feeds", new { name = NewName(), format = "freetext", url = swapped }).ExpectAsync(HttpStatusCode.Created)).Id();
        var patched = await client.PatchJsonAsync($"/api/v1/feeds/{id}", new { url = link }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("resolves to /etc/hostname", patched.GetRawText(), StringComparison.Ordinal);
        File.Delete(swapped);
        File.CreateSymbolicLink(swapped, "/etc/hostname");
        var failed = await client.PostAsync($"/api/v1/feeds/{id}/pull?wait=true", null).ExpectProblemAsync(HttpStatusCode.BadGateway);
        Assert.Contains("outside the directories local feeds may read", Problem.Detail(failed), StringComparison.Ordinal);
    }
}

public sealed class LocalFeedDirectoriesTestsOnSqlite(SqliteServer server) : LocalFeedDirectoriesTests(server), IClassFixture<SqliteServer>;

public sealed class LocalFeedDirectoriesTestsOnPostgres(PostgresServer server) : LocalFeedDirectoriesTests(server), IClassFixture<PostgresServer>;

/// <summary>A server started without local feed directories, as `quell serve` is by default.</summary>
public sealed class ServerWithoutFeedDirectories : SqliteServer
{
    protected override IReadOnlyList<string>? FeedDirectories => null;
}

public sealed class LocalFeedsByDefaultTests(ServerWithoutFeedDirectories server) : IClassFixture<ServerWithoutFeedDirectories>, IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("quell-default-local-feed-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Without_configured_directories_a_local_feed_is_pulled_and_system_and_data_files_are_refused()
    {
        using var client = server.Client();
        var file = Path.Combine(_dir, "list.txt");
        await File.WriteAllTextAsync(file, "default-local-feed.example\n");
        var id = (await client.PostAsJsonAsync("/api/v1/feeds", new { name = "on-" + Guid.NewGuid().ToString("N")[..8], format = "freetext", url = file })
            .ExpectAsync(HttpStatusCode.Created)).Id();
        var pull = await client.PostAsync($"/api/v1/feeds/{id}/pull?wait=true", null).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("ok", pull.GetProperty("outcome").GetString());

        foreach (var url in new[] { "/etc/shadow", Path.Combine(server.DataDirectory, "quell.db") })
        {
            var problem = await client.PostAsJsonAsync("/api/v1/feeds", new { name = "off-" + Guid.NewGuid().ToString("N")[..8], format = "csv", url })
                .ExpectProblemAsync(HttpStatusCode.BadRequest);
            Assert.Contains("which local feeds never read", problem.GetRawText(), StringComparison.Ordinal);
            Assert.Contains("QUELL_FEED_DIRECTORIES", problem.GetRawText(), StringComparison.Ordinal);
        }
    }
}
