using System.Net;
using Quell.Tests.Support;

namespace Quell.Tests.Security;

/// <summary>SIEMs re-send an alert while the first post is still being written: that must never be a 5xx nor two alerts.</summary>
public abstract class ConcurrentIntakeTests(TestServer server)
{
    [Fact]
    public async Task The_same_alert_posted_in_parallel_makes_one_alert_and_no_server_error()
    {
        using var admin = server.Client();
        for (var round = 0; round < 5; round++)
        {
            var sourceRef = Guid.NewGuid().ToString("N");
            var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => admin.PostJsonAsync("/api/v1/alerts",
                $$"""{"type":"t","source":"race","sourceRef":"{{sourceRef}}","title":"race {{i}}","observables":[{"dataType":"other","data":"o{{i}}"}]}""")));
            var statuses = responses.Select(r => (int)r.StatusCode).ToList();
            Assert.True(statuses.Count(s => s == 201) == 1 && statuses.Count(s => s == 200) == 7, $"round {round}: " + string.Join(", ", statuses));
            var ids = new HashSet<long>();
            foreach (var r in responses)
                ids.Add((await r.Content.ReadAsStringAsync()).Length > 0 ? (await r.JsonAsync()).Id() : 0);
            var alert = await admin.GetAsync($"/api/v1/alerts/{ids.Single()}").ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(8, alert.GetProperty("observableCount").GetInt32());
            Assert.Equal(8, alert.GetProperty("observables").GetArrayLength());
        }
    }

    [Fact]
    public async Task Overlapping_bulk_posts_of_the_same_alerts_make_each_alert_once()
    {
        using var admin = server.Client();
        var refs = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid().ToString("N")).ToList();
        var body = "[" + string.Join(",", refs.Select(r => $$"""{"type":"t","source":"race-bulk","sourceRef":"{{r}}","title":"t"}""")) + "]";
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => admin.PostJsonAsync("/api/v1/alerts/_bulk", body)));
        foreach (var r in responses)
            await r.ExpectAsync(HttpStatusCode.OK);
        var list = await admin.GetAsync("/api/v1/alerts?source=race-bulk&limit=500").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(refs.Order(), list.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("sourceRef").GetString()!).Order());
    }

    [Fact]
    public async Task Overlapping_bulk_posts_in_different_orders_and_single_reposts_all_succeed()
    {
        // Each transaction locks several alert rows and the audit chain: requests that take them in different orders
        // must still all be answered (PostgreSQL resolves a deadlock by aborting one of the transactions).
        using var admin = server.Client();
        var refs = Enumerable.Range(0, 12).Select(_ => Guid.NewGuid().ToString("N")).ToList();
        string Item(string r, int n) => $$"""{"type":"t","source":"race-order","sourceRef":"{{r}}","title":"t{{n}}","observables":[{"dataType":"other","data":"v{{n}}"}]}""";
        var seed = new Random(7);
        var requests = new List<Task<HttpResponseMessage>>();
        for (var round = 0; round < 6; round++)
        {
            var shuffled = refs.OrderBy(_ => seed.Next()).ToList();
            requests.Add(admin.PostJsonAsync("/api/v1/alerts/_bulk", "[" + string.Join(",", shuffled.Select((r, i) => Item(r, round * 100 + i))) + "]"));
            requests.Add(admin.PostJsonAsync("/api/v1/alerts", Item(shuffled[0], round)));
            requests.Add(admin.PostJsonAsync("/api/v1/alerts", Item(shuffled[^1], round + 50)));
        }
        var responses = await Task.WhenAll(requests);
        var bad = new List<string>();
        foreach (var r in responses.Where(r => (int)r.StatusCode >= 300))
            bad.Add($"{(int)r.StatusCode}: {await r.Content.ReadAsStringAsync()}");
        Assert.True(bad.Count == 0, string.Join("\n", bad));
        var list = await admin.GetAsync("/api/v1/alerts?source=race-order&limit=500").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(refs.Count, list.GetProperty("items").GetArrayLength());
    }
}

public sealed class ConcurrentIntakeTestsOnSqlite(SqliteServer server) : ConcurrentIntakeTests(server), IClassFixture<SqliteServer>;

public sealed class ConcurrentIntakeTestsOnPostgres(PostgresServer server) : ConcurrentIntakeTests(server), IClassFixture<PostgresServer>;
