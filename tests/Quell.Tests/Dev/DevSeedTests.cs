using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Quell.Server.Dev;
using Quell.Tests.Support;

namespace Quell.Tests.Dev;

/// <summary>
/// Seeds 2,000 alerts and 200 cases once per server and checks, through the API, that what the seeder wrote is what
/// its plan says and what the API would have written: lists, filters, keyset pages, linked alerts, merged observables.
/// </summary>
public abstract class DevSeedTests(TestServer server)
{
    static readonly ConditionalWeakTable<TestServer, Task<SeedResult>> Seeds = [];

    Task<SeedResult> SeedAsync() =>
        Seeds.GetValue(server, s => ActivatorUtilities.CreateInstance<Seeder>(s.Services).RunAsync(new SeedSpec(2000, 200, RandomSeed: 7)));

    [Fact]
    public async Task Every_seeded_alert_is_listed_with_its_observables_and_tags()
    {
        var seed = await SeedAsync();
        var plan = seed.Plan.Alerts().ToList();
        using var client = server.Client();

        var listed = await WalkAsync(client, "/api/v1/alerts?limit=500");
        Assert.Equal(plan.Select(a => a.Id).Order(), listed.Select(a => a.GetProperty("id").GetInt64()).Order());

        foreach (var expected in plan.Where((_, i) => i % 397 == 0))
        {
            var alert = await client.GetAsync($"/api/v1/alerts/{expected.Id}").ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(expected.SourceRef, alert.GetProperty("sourceRef").GetString());
            Assert.Equal(expected.Tags.Order(), alert.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).Order());
            Assert.Equal(5, alert.GetProperty("observableCount").GetInt32());
            Assert.Equal(expected.Observables.Select(o => (o.DataType, o.Data)),
                alert.GetProperty("observables").EnumerateArray().Select(o => (o.GetProperty("dataType").GetString()!, o.GetProperty("data").GetString()!)));
        }
        // The data is skewed like a real queue: low severities dominate, about a tenth of alerts were imported into cases.
        Assert.True(plan.Count(a => a.Severity == 2) > 3 * plan.Count(a => a.Severity == 4));
        Assert.InRange(plan.Count(a => a.CaseId is not null), 100, 300);
    }

    [Fact]
    public async Task Queue_filtered_by_status_and_severity_pages_by_date_exactly_as_the_plan_orders_it()
    {
        var seed = await SeedAsync();
        var expected = seed.Plan.Alerts().Where(a => a.Status == "new" && a.Severity >= 3)
            .OrderByDescending(a => a.Date).ThenByDescending(a => a.Id).Select(a => a.Id).ToList();
        using var client = server.Client();

        var listed = await WalkAsync(client, "/api/v1/alerts?status=new&severity=3,4&sort=-date&limit=50");

        Assert.True(expected.Count > 100, $"only {expected.Count} alerts match; the test needs several pages");
        Assert.Equal(expected, listed.Select(a => a.GetProperty("id").GetInt64()));
    }

    [Fact]
    public async Task Tag_and_shared_observable_filters_find_every_seeded_alert_that_has_them()
    {
        var seed = await SeedAsync();
        var plan = seed.Plan.Alerts().ToList();
        var tag = plan.SelectMany(a => a.Tags).GroupBy(t => t).MaxBy(g => g.Count())!.Key;
        var shared = plan.SelectMany(a => a.Observables).Where(o => o.DataType == "ip").GroupBy(o => o.Data).MaxBy(g => g.Count())!;
        using var client = server.Client();

        var byTag = await WalkAsync(client, $"/api/v1/alerts?tag={Uri.EscapeDataString(tag)}&limit=200");
        var byObservable = await WalkAsync(client, $"/api/v1/alerts?observable={shared.Key}&limit=200");

        Assert.Equal(plan.Where(a => a.Tags.Contains(tag)).Select(a => a.Id).Order(), byTag.Select(a => a.GetProperty("id").GetInt64()).Order());
        Assert.True(shared.Count() > 5, $"the most shared IP appears in only {shared.Count()} alerts");
        Assert.Equal(plan.Where(a => a.Observables.Any(o => o.Data == shared.Key)).Select(a => a.Id).Order(),
            byObservable.Select(a => a.GetProperty("id").GetInt64()).Order());
    }

    [Fact]
    public async Task Seeded_cases_are_numbered_searchable_and_hold_their_linked_alerts_observables()
    {
        var seed = await SeedAsync();
        var alerts = seed.Plan.Alerts().ToList();
        using var client = server.Client();

        var resolved = await WalkAsync(client, "/api/v1/cases?status=resolved&limit=100");
        Assert.Equal(seed.Plan.Cases.Where(c => c.Status == "resolved").Select(c => c.Id).Order(), resolved.Select(c => c.GetProperty("id").GetInt64()).Order());

        var ransomware = await WalkAsync(client, "/api/v1/cases?q=RANSOMWARE&limit=100");
        Assert.Equal(seed.Plan.Cases.Where(c => c.Title.Contains("ransomware", StringComparison.OrdinalIgnoreCase)).Select(c => c.Id).Order(),
            ransomware.Select(c => c.GetProperty("id").GetInt64()).Order());

        var busiest = alerts.Where(a => a.CaseId is not null).GroupBy(a => a.CaseId!.Value).MaxBy(g => g.Count())!;
        var planned = seed.Plan.Cases.Single(c => c.Id == busiest.Key);
        var view = await client.GetAsync($"/api/v1/cases/number/{planned.Number}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(busiest.Key, view.GetProperty("id").GetInt64());
        Assert.Equal(busiest.OrderBy(a => a.Date).ThenBy(a => a.Id).Select(a => a.Id), view.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("id").GetInt64()));
        Assert.Equal(busiest.SelectMany(a => a.Observables).Select(o => (o.DataType, o.Data)).Distinct().Count(), view.GetProperty("observables").GetArrayLength());
        Assert.Equal(Math.Min(planned.DetectedAt ?? long.MaxValue, busiest.Min(a => a.Date)), view.GetProperty("detectedAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.Equal(Enumerable.Range(0, 200).Select(i => seed.FirstCaseNumber + i), seed.Plan.Cases.Select(c => c.Number));
    }

    static async Task<List<JsonElement>> WalkAsync(HttpClient client, string path)
    {
        var items = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await client.GetAsync(cursor is null ? path : $"{path}&cursor={cursor}").ExpectAsync(HttpStatusCode.OK);
            items.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("next").ValueKind == JsonValueKind.String ? page.GetProperty("next").GetString() : null;
        }
        while (cursor is not null);
        return items;
    }
}

public sealed class DevSeedTestsOnSqlite(SqliteServer server) : DevSeedTests(server), IClassFixture<SqliteServer>;

public sealed class DevSeedTestsOnPostgres(PostgresServer server) : DevSeedTests(server), IClassFixture<PostgresServer>;
