using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Quell.Http;
using Quell.Intel.Indicators;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Indicators;

/// <summary>Indicator search filters of the list page (warninglisted, state) and the bounded newest-first walk behind them.</summary>
public abstract class IndicatorSearchTests(TestServer server)
{
    static Task<JsonElement> AddAsync(HttpClient client, object body) =>
        client.PostAsJsonAsync("/api/v1/indicators", body).ExpectAsync(HttpStatusCode.Created);

    static async Task<List<string>> ValuesAsync(HttpClient client, string query) =>
        (await client.GetAsync("/api/v1/indicators?" + query).ExpectAsync(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Select(i => i.GetProperty("value").GetString()!).ToList();

    [Fact]
    public async Task Warninglisted_and_state_filters_split_active_suppressed_and_expired_indicators()
    {
        var tenant = await Tenants.CreateAsync(server);
        using var client = server.Client(tenant.AdminKey);
        await AddAsync(client, new { type = "domain", value = "fresh.example" });
        await AddAsync(client, new { type = "ip-dst", value = "10.20.30.40" }); // private: flagged by the sanity checks
        await AddAsync(client, new { type = "domain", value = "old.example", lastSeen = "2000-01-01T00:00:00Z" });
        var noisy = (await AddAsync(client, new { type = "domain", value = "noisy.example" })).Id();
        for (var i = 0; i < 3; i++)
            await client.PostAsJsonAsync($"/api/v1/indicators/{noisy}/sightings", new { type = "false-positive" }).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(["10.20.30.40"], await ValuesAsync(client, "warninglisted=true"));
        Assert.Equal(["noisy.example", "old.example", "fresh.example"], await ValuesAsync(client, "warninglisted=false"));
        Assert.Equal(["10.20.30.40", "fresh.example"], await ValuesAsync(client, "state=active"));
        Assert.Equal(["noisy.example"], await ValuesAsync(client, "state=suppressed"));
        Assert.Equal(["old.example"], await ValuesAsync(client, "state=expired"));
        Assert.Equal(["fresh.example"], await ValuesAsync(client, "state=active&warninglisted=false&type=domain"));

        var bad = await client.GetAsync("/api/v1/indicators?state=dead&warninglisted=maybe").ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("state", Problem.Fields(bad));
        Assert.Contains("warninglisted", Problem.Fields(bad));
    }

    [Fact]
    public async Task A_rare_match_is_reached_through_short_pages_that_each_look_at_a_bounded_stretch()
    {
        var tenant = await Tenants.CreateAsync(server);
        using var client = server.Client(tenant.AdminKey);
        var rare = "rare-" + Guid.NewGuid().ToString("N")[..8];
        var oldest = (await AddAsync(client, new { type = "domain", value = $"{rare}.example", tags = new[] { rare } })).Id();
        for (var i = 0; i < 24; i++)
            await AddAsync(client, new { type = "domain", value = $"{rare}-filler-{i}.example" });

        // Windows of 4 ids and at most 8 ids per request: the tagged indicator, 24 ids below the newest, takes
        // several requests; each says where to go on, and the last says there is nothing more.
        var requests = 0;
        var found = new List<long>();
        long? before = null;
        do
        {
            var query = new IndicatorQuery { Tag = rare, Limit = 10, Before = before, Window = 4, ScanBudget = 8 };
            var page = await server.Db.ReadAsync(c => query.RunAsync(c, tenant.OrgId, DateTimeOffset.UtcNow));
            requests++;
            Assert.True(page.Items.Count <= 10);
            found.AddRange(page.Items.Select(i => i.Id));
            before = page.Next is { } next && Cursor.TryDecode(next, 1, out var keys) ? keys[0] : null;
        }
        while (before is not null && requests < 1000);

        Assert.Equal([oldest], found);
        Assert.True(requests >= 3, $"{requests} requests: the walk was not bounded");
        // The API's defaults find it in one request.
        Assert.Equal([$"{rare}.example"], await ValuesAsync(client, $"tag={rare}"));
    }

    [Fact]
    public async Task Pages_of_the_unfiltered_list_are_full_and_continue_without_gaps_or_repeats()
    {
        var tenant = await Tenants.CreateAsync(server);
        using var client = server.Client(tenant.AdminKey);
        var added = new List<long>();
        for (var i = 0; i < 9; i++)
            added.Add((await AddAsync(client, new { type = "ip-dst", value = $"198.51.100.{i + 1}" })).Id());

        var seen = new List<long>();
        long? before = null;
        do
        {
            var query = new IndicatorQuery { Limit = 4, Before = before, Window = 3, ScanBudget = 1_000 };
            var page = await server.Db.ReadAsync(c => query.RunAsync(c, tenant.OrgId, DateTimeOffset.UtcNow));
            Assert.True(page.Items.Count == 4 || page.Next is null, $"a short page ({page.Items.Count}) with more to come");
            seen.AddRange(page.Items.Select(i => i.Id));
            before = page.Next is { } next && Cursor.TryDecode(next, 1, out var keys) ? keys[0] : null;
        }
        while (before is not null);
        Assert.Equal(added.AsEnumerable().Reverse(), seen);
    }

    [Fact]
    public async Task Prefix_pages_go_in_value_order_without_gaps_or_repeats_and_a_rare_filter_is_reached_in_bounded_steps()
    {
        var tenant = await Tenants.CreateAsync(server);
        using var client = server.Client(tenant.AdminKey);
        var prefix = "pfx" + Guid.NewGuid().ToString("N")[..8];
        // Added in an order unrelated to their values: pages follow the values, not the ids.
        var values = Enumerable.Range(0, 23).Select(i => $"{prefix}-{i * 7 % 23:D2}.example").ToList();
        foreach (var v in values)
            await AddAsync(client, new { type = "domain", value = v, tags = v.EndsWith("-17.example", StringComparison.Ordinal) ? new[] { prefix } : null });
        await AddAsync(client, new { type = "domain", value = "zz" + prefix + ".example" }); // outside the prefix

        async Task<(List<string> Found, int Requests)> WalkAsync(Func<long?, IndicatorQuery> query)
        {
            var found = new List<string>();
            var requests = 0;
            long? cursor = null;
            do
            {
                var page = await server.Db.ReadAsync(c => query(cursor).RunAsync(c, tenant.OrgId, DateTimeOffset.UtcNow));
                Assert.Null(page.CursorError);
                requests++;
                found.AddRange(page.Items.Select(i => i.Value));
                cursor = page.Next is { } next && Cursor.TryDecode(next, 1, out var keys) ? keys[0] : null;
            }
            while (cursor is not null && requests < 100);
            return (found, requests);
        }

        var (all, _) = await WalkAsync(after => new IndicatorQuery { Prefix = prefix, Limit = 5, Before = after });
        Assert.Equal(values.Order(StringComparer.Ordinal), all);

        // Windows of 4 index entries, at most 8 per request: the one tagged value takes several short pages.
        var (rare, requests) = await WalkAsync(after => new IndicatorQuery { Prefix = prefix, Tag = prefix, Limit = 10, Before = after, Window = 4, ScanBudget = 8 });
        Assert.Equal([$"{prefix}-17.example"], rare);
        Assert.True(requests >= 3, $"{requests} requests: the walk was not bounded");

        Assert.Equal(values.Order(StringComparer.Ordinal).Take(3), await ValuesAsync(client, $"q={prefix}&limit=3"));
    }

    [Fact]
    public async Task A_prefix_cursor_whose_indicator_was_removed_is_refused_with_a_problem()
    {
        var tenant = await Tenants.CreateAsync(server);
        using var client = server.Client(tenant.AdminKey);
        var first = (await AddAsync(client, new { type = "domain", value = "gone-a.example" })).Id();
        await AddAsync(client, new { type = "domain", value = "gone-b.example" });
        var page = await client.GetAsync("/api/v1/indicators?q=gone-&limit=1").ExpectAsync(HttpStatusCode.OK);
        var next = page.GetProperty("next").GetString();
        await client.DeleteAsync($"/api/v1/indicators/{first}").ExpectAsync(HttpStatusCode.NoContent);

        var problem = await client.GetAsync($"/api/v1/indicators?q=gone-&limit=1&cursor={next}").ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("cursor", Problem.Fields(problem));
    }
}

public sealed class IndicatorSearchTestsOnSqlite(SqliteServer server) : IndicatorSearchTests(server), IClassFixture<SqliteServer>;

public sealed class IndicatorSearchTestsOnPostgres(PostgresServer server) : IndicatorSearchTests(server), IClassFixture<PostgresServer>;
