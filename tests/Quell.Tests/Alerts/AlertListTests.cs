using System.Net;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Alerts;

public abstract class AlertListTests(TestServer server)
{
    sealed record Seeded(string Source, long Phish, long Malware, long CeoPhish);

    /// <summary>IdsAsync answers ids in ascending order; a bulk post writes in (source, sourceRef) order, so ids need not follow request order.</summary>
    static void AssertIds(long[] expected, long[] actual) => Assert.Equal(expected.Order(), actual);

    /// <summary>Three alerts of one source: two phishing (one ignored), one malware (read).</summary>
    async Task<Seeded> SeedAsync(HttpClient client)
    {
        var source = TestAlerts.NewSource();
        var bulk = await client.BulkAsync(new[]
        {
            TestAlerts.Alert(source, severity: 1, title: "Phishing mail reported", date: "2025-01-01T00:00:00Z", tags: ["phishing"],
                observables: [("domain", "evil.example")]),
            TestAlerts.Alert(source, severity: 3, title: "Malware beacon", date: "2025-01-02T00:00:00Z", tags: ["malware"],
                observables: [("ip", "2001:db8::9")]),
            TestAlerts.Alert(source, severity: 4, title: "CEO PHISHING 100% sure_thing", date: "2025-01-03T00:00:00Z", tags: ["phishing", "vip"],
                observables: [("domain", "evil.example"), ("hash", "d41d8cd98f00b204e9800998ecf8427e")]),
        });
        var ids = bulk.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()).ToArray();
        await client.PostAsync($"/api/v1/alerts/{ids[1]}/read", null).ExpectAsync(HttpStatusCode.OK);
        await client.PostAsync($"/api/v1/alerts/{ids[2]}/ignore", null).ExpectAsync(HttpStatusCode.OK);
        return new Seeded(source, ids[0], ids[1], ids[2]);
    }

    [Fact]
    public async Task After_lists_only_alerts_created_after_the_given_id()
    {
        using var client = server.Client();
        var s = await SeedAsync(client);
        var newest = new[] { s.Phish, s.Malware, s.CeoPhish }.Max();
        Assert.Empty(await client.IdsAsync($"source={s.Source}&after={newest}"));
        var later = await client.CreateAlertAsync(TestAlerts.Alert(s.Source));
        AssertIds([later], await client.IdsAsync($"source={s.Source}&after={newest}"));
        var bad = await client.GetAsync($"/api/v1/alerts?after=-1").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Contains("after", bad.ErrorFields());
    }

    [Fact]
    public async Task Every_filter_selects_exactly_the_matching_alerts()
    {
        using var client = server.Client();
        var s = await SeedAsync(client);
        var src = $"source={s.Source}";

        AssertIds([s.Phish, s.Malware, s.CeoPhish], await client.IdsAsync(src));
        AssertIds([s.Phish, s.Malware], await client.IdsAsync($"{src}&status=new"));
        AssertIds([s.CeoPhish], await client.IdsAsync($"{src}&status=ignored"));
        AssertIds([s.Phish, s.CeoPhish], await client.IdsAsync($"{src}&status=new,ignored&severity=1,4"));
        AssertIds([s.Malware, s.CeoPhish], await client.IdsAsync($"{src}&severity=3,4"));
        AssertIds([s.Phish, s.CeoPhish], await client.IdsAsync($"{src}&tag=phishing"));
        AssertIds([s.CeoPhish], await client.IdsAsync($"{src}&tag=vip"));
        Assert.Empty(await client.IdsAsync($"{src}&tag=PHISHING"));
        AssertIds([s.Phish, s.CeoPhish], await client.IdsAsync($"{src}&observable=evil.example"));
        AssertIds([s.Malware], await client.IdsAsync($"{src}&observable=2001:db8::9"));
        AssertIds([s.Malware, s.CeoPhish], await client.IdsAsync($"{src}&from=2025-01-02T00:00:00Z"));
        AssertIds([s.Phish], await client.IdsAsync($"{src}&to=2025-01-02T00:00:00Z"));
        AssertIds([s.Malware], await client.IdsAsync($"{src}&from=2025-01-02T00:00:00Z&to=2025-01-03T00:00:00Z"));
        AssertIds([s.Malware], await client.IdsAsync($"{src}&from={DateTimeOffset.Parse("2025-01-02T00:00:00Z").ToUnixTimeMilliseconds()}&to=2025-01-02T12:00:00Z"));
        AssertIds([s.Malware], await client.IdsAsync($"{src}&read=true"));
        AssertIds([s.Phish, s.CeoPhish], await client.IdsAsync($"{src}&read=false"));
        AssertIds([s.Phish, s.CeoPhish], await client.IdsAsync($"{src}&q=phishing"));
        AssertIds([s.Malware], await client.IdsAsync($"{src}&q=BEACON"));
        Assert.Empty(await client.IdsAsync($"source={TestAlerts.NewSource()}"));
    }

    [Fact]
    public async Task Observable_filter_matches_the_normalized_value_of_what_the_analyst_typed()
    {
        using var client = server.Client();
        var s = await SeedAsync(client);
        AssertIds([s.Phish, s.CeoPhish], await client.IdsAsync($"source={s.Source}&observable=Evil.Example."));
        AssertIds([s.Malware], await client.IdsAsync($"source={s.Source}&observable=2001:DB8:0:0::9"));
        AssertIds([s.CeoPhish], await client.IdsAsync($"source={s.Source}&observable=D41D8CD98F00B204E9800998ECF8427E"));
    }

    [Theory]
    [InlineData("%", "contains a percent sign")]
    [InlineData("_", "contains an underscore")]
    [InlineData("100%25 sure", "percent in the middle")]
    public async Task Text_search_treats_like_wildcards_as_plain_characters(string q, string why)
    {
        using var client = server.Client();
        var s = await SeedAsync(client);
        var found = await client.IdsAsync($"source={s.Source}&q={q}");
        Assert.True(found.SequenceEqual([s.CeoPhish]), $"q={q} ({why}) found {string.Join(", ", found)}");
    }

    [Theory]
    [InlineData("status=open", "status")]
    [InlineData("severity=0", "severity")]
    [InlineData("severity=high", "severity")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=31/02/2025x", "to")]
    [InlineData("read=maybe", "read")]
    [InlineData("sort=title", "sort")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("cursor=%21%21not-base64%21%21", "cursor")]
    [InlineData("cursor=MSwyLDM", "cursor")]
    public async Task A_bad_query_parameter_is_a_400_naming_it(string query, string field)
    {
        using var client = server.Client();
        var problem = await client.GetAsync($"/api/v1/alerts?{query}").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Theory]
    [InlineData("-severity")]
    [InlineData("date")]
    [InlineData("-createdAt")]
    public async Task A_cursor_made_for_another_sort_is_rejected(string otherSort)
    {
        using var client = server.Client();
        var source = TestAlerts.NewSource();
        await client.BulkAsync(Enumerable.Range(0, 3).Select(_ => TestAlerts.Alert(source)).ToArray());
        var page = await client.GetAsync($"/api/v1/alerts?source={source}&sort=-date&limit=1").ExpectAsync(HttpStatusCode.OK);
        var cursor = page.GetProperty("next").GetString();
        await client.GetAsync($"/api/v1/alerts?source={source}&sort=-date&limit=1&cursor={cursor}").ExpectAsync(HttpStatusCode.OK);

        var problem = await client.GetAsync($"/api/v1/alerts?source={source}&sort={otherSort}&limit=1&cursor={cursor}").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["cursor is not valid for this sort; start again without it"], problem.GetProperty("errors").GetProperty("cursor").Strings());
    }

    public static TheoryData<string> Sorts => new(Quell.Alerts.AlertQuery.Sorts);

    [Theory]
    [MemberData(nameof(Sorts))]
    public async Task Keyset_pages_walk_every_alert_once_in_sort_order(string sort)
    {
        using var client = server.Client();
        var source = TestAlerts.NewSource();
        var day = DateTimeOffset.Parse("2025-02-01T00:00:00Z");
        // Ties on date and severity, and alerts posted one by one and in bulk, so the id tie-break is exercised.
        var alerts = Enumerable.Range(0, 13).Select(i => TestAlerts.Alert(source, severity: i % 4 + 1, date: day.AddMinutes(i % 5))).ToArray();
        var created = new List<long>();
        foreach (var a in alerts[..4])
            created.Add(await client.CreateAlertAsync(a));
        var bulk = await client.BulkAsync(alerts[4..]);
        created.AddRange(bulk.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));

        var pages = 0;
        var walked = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await client.GetAsync($"/api/v1/alerts?source={source}&sort={sort}&limit=4{(cursor is null ? "" : "&cursor=" + cursor)}").ExpectAsync(HttpStatusCode.OK);
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.InRange(items.Count, 1, 4);
            walked.AddRange(items);
            cursor = page.GetProperty("next").GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(4, pages);
        var ids = walked.Select(a => a.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(created.Order(), ids.Order());
        var keys = walked.Select(a => Key(a, sort)).ToList();
        var expected = sort.StartsWith('-') ? keys.OrderDescending(KeyComparer).ToList() : keys.Order(KeyComparer).ToList();
        Assert.Equal(expected, keys);
    }

    static readonly Comparer<long[]> KeyComparer = Comparer<long[]>.Create((a, b) =>
    {
        for (var i = 0; i < a.Length; i++)
            if (a[i] != b[i])
                return a[i].CompareTo(b[i]);
        return 0;
    });

    static long[] Key(JsonElement a, string sort)
    {
        long Ms(string name) => a.GetProperty(name).GetDateTimeOffset().ToUnixTimeMilliseconds();
        var id = a.GetProperty("id").GetInt64();
        return sort.TrimStart('-') switch
        {
            "date" => [Ms("date"), id],
            "createdAt" => [Ms("createdAt"), id],
            _ => [a.GetProperty("severity").GetInt64(), Ms("date"), id],
        };
    }
}

public sealed class AlertListTestsOnSqlite(SqliteServer server) : AlertListTests(server), IClassFixture<SqliteServer>;

public sealed class AlertListTestsOnPostgres(PostgresServer server) : AlertListTests(server), IClassFixture<PostgresServer>;
