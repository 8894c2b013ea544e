using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Quell.Server;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Detection;

/// <summary>
/// A correlation window that straddles a restart (decision 185): two failed logons before the server stops, one after
/// a new server starts on the same store, and the brute-force correlation (three within five minutes) still fires with
/// all three events as evidence.
/// </summary>
public sealed class SigmaCorrelationRestartTests
{
    static string Failed(string user, int minute) =>
        $$$"""{"@timestamp": "2026-02-01T08:{{{minute:00}}}:00Z", "EventID": 4625, "TargetUserName": "{{{user}}}", "host": {"name": "dc1"}}""";

    [Fact]
    public Task A_window_open_at_a_restart_goes_on_in_the_next_server_on_sqlite() => WindowAcrossRestartAsync(postgres: false);

    [Fact]
    public Task A_window_open_at_a_restart_goes_on_in_the_next_server_on_postgres() => WindowAcrossRestartAsync(postgres: true);

    static async Task WindowAcrossRestartAsync(bool postgres)
    {
        var database = postgres ? await TestPostgres.CreateDatabaseAsync() : null;
        var directory = Directory.CreateTempSubdirectory("quell-corr-restart-").FullName;
        var rules = Directory.CreateTempSubdirectory("quell-corr-rules-").FullName;
        File.WriteAllText(Path.Combine(rules, "brute_force.yml"), Sigma.SigmaTestRules.BruteForce("40000000-0000-0000-0000-000000000002"));
        try
        {
            await using (var first = await StartAsync(directory, database, rules))
            {
                using var client = Client(first);
                var posted = await client.PostAsync("/api/v1/events?source=dc-security", new StringContent(string.Join("\n", Failed("bob", 0), Failed("carol", 0), Failed("bob", 1))));
                posted.EnsureSuccessStatusCode();
                Assert.Empty(await AlertsAsync(client));
                // Stored: one row per failed logon the correlation reads, with its group-by field.
                var stored = await first.Services.GetRequiredService<Db>().ReadAsync(c => c.QueryAsync<string>("SELECT fields FROM sigma_correlation_events ORDER BY event_time, id"));
                Assert.Equal(["{\"TargetUserName\":\"bob\"}", "{\"TargetUserName\":\"carol\"}", "{\"TargetUserName\":\"bob\"}"], stored);
                await first.StopAsync();
            }

            await using (var second = await StartAsync(directory, database, rules))
            {
                using var client = Client(second);
                var posted = await client.PostAsync("/api/v1/events?source=dc-security", new StringContent(Failed("bob", 3)));
                posted.EnsureSuccessStatusCode();

                var alert = Assert.Single(await AlertsAsync(client));
                Assert.Equal("sigma-correlation", alert.GetProperty("type").GetString());
                Assert.Equal("Brute force on one account (TargetUserName=bob)", alert.GetProperty("title").GetString());
                Assert.Equal(new DateTimeOffset(2026, 2, 1, 8, 0, 0, TimeSpan.Zero), alert.GetProperty("firstEvidenceAt").GetDateTimeOffset());
                var raw = (await client.GetFromJsonAsync<JsonElement>($"/api/v1/alerts/{alert.GetProperty("id").GetInt64()}")).GetProperty("raw");
                Assert.Equal(3, raw.GetProperty("eventCount").GetInt32());
                Assert.Equal(["2026-02-01T08:00:00+00:00", "2026-02-01T08:01:00+00:00", "2026-02-01T08:03:00+00:00"],
                    raw.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("time").GetDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:sszzz")));

                // A match nine minutes after the last puts the older ones past the horizon (the rule's 5 minutes): they are deleted.
                (await client.PostAsync("/api/v1/events?source=dc-security", new StringContent(Failed("dave", 12)))).EnsureSuccessStatusCode();
                var left = await second.Services.GetRequiredService<Db>().ReadAsync(c => c.QueryAsync<string>("SELECT fields FROM sigma_correlation_events ORDER BY event_time, id"));
                Assert.Equal(["{\"TargetUserName\":\"dave\"}"], left);
                await second.StopAsync();
            }
        }
        finally
        {
            if (database is not null)
                await TestPostgres.DropDatabaseAsync(database);
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
            Directory.Delete(rules, recursive: true);
        }
    }

    static Task<WebApplication> StartAsync(string directory, string? database, string rules) =>
        StoreServers.StartAsync(new ServeSettings("http://127.0.0.1:0", directory, database, SigmaRules: rules));

    static HttpClient Client(WebApplication app) => StoreServers.Client(app);

    static async Task<List<JsonElement>> AlertsAsync(HttpClient client) =>
        [.. (await client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?source=quell-sigma&limit=100")).GetProperty("items").EnumerateArray()];
}
