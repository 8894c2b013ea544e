using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Quell.Server;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Storage;

public abstract class HealthTests(TestServer server)
{
    [Fact]
    public async Task Healthz_answers_200_with_the_store_when_it_is_reachable()
    {
        using var anonymous = server.Client(apiKey: null);
        var health = await anonymous.GetAsync("/healthz").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(server.Dialect.ToString(), health.GetProperty("store").GetString());
    }
}

public sealed class HealthTestsOnSqlite(SqliteServer server) : HealthTests(server), IClassFixture<SqliteServer>;

public sealed class HealthTestsOnPostgres(PostgresServer server) : HealthTests(server), IClassFixture<PostgresServer>;

/// <summary>Servers whose PostgreSQL goes away: /healthz must say so with a 503 problem, not hang or 500.</summary>
public sealed class UnreachableStoreHealthTests
{
    static async Task AssertUnavailableAsync(Uri baseAddress)
    {
        using var client = new HttpClient { BaseAddress = baseAddress };
        var response = await client.GetAsync("/healthz");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ExpectAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Contains("does not answer", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Healthz_answers_503_problem_when_the_database_was_dropped()
    {
        var server = new PostgresServer();
        await server.InitializeAsync();
        try
        {
            using (var client = server.Client(apiKey: null))
                await client.GetAsync("/healthz").ExpectAsync(HttpStatusCode.OK);
            var cs = server.Services.GetRequiredService<StoreOptions>().Database!;
            await TestPostgres.DropDatabaseAsync(cs);

            await AssertUnavailableAsync(server.BaseAddress);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Healthz_answers_503_problem_when_nothing_listens_at_the_database_address()
    {
        var dir = Directory.CreateTempSubdirectory("quell-test-").FullName;
        // Port 1 on loopback: connection refused at once, no waiting for a timeout.
        var app = QuellHost.Build(new ServeSettings("http://127.0.0.1:0", dir, "Host=127.0.0.1;Port=1;Username=quell;Database=quell;Timeout=5"));
        await app.StartAsync();
        try
        {
            await AssertUnavailableAsync(new Uri(app.Urls.First()));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }
}
