using System.Net;
using System.Text;
using System.Text.Json;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Alerts;

/// <summary>
/// The observable and tag filters take a different plan depending on how many alerts hold the value (SetFilter);
/// every plan must give the same pages as the unfiltered queue. One value here is held by a few alerts, one by more
/// than <see cref="SetFilter.FewLimit"/>. Above <see cref="SetFilter.ManyLimit"/> the filter is the plain EXISTS probe.
/// </summary>
public abstract class ObservableFilterTests(TestServer server)
{
    [Fact]
    public async Task Common_and_rare_observables_and_tags_page_by_date_like_the_unfiltered_queue()
    {
        using var client = server.Client();
        var run = Guid.NewGuid().ToString("N")[..8];
        var common = $"common-{run}.example";
        var rare = $"rare-{run}.example";
        var count = SetFilter.FewLimit + 100;
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var expectedRare = new List<long>();
        for (var batch = 0; batch * 1000 < count; batch++)
        {
            var body = new StringBuilder("[");
            for (var i = batch * 1000; i < Math.Min(count, (batch + 1) * 1000); i++)
            {
                // Dates deliberately out of id order, so a result sorted by id would not pass.
                var date = start + (i * 7919L % count) * 60_000;
                var extra = i % 97 == 0 ? $",{{\"dataType\":\"domain\",\"data\":\"{rare}\"}}" : "";
                var tags = i % 97 == 0 ? $"\"{common}\",\"{rare}\"" : $"\"{common}\"";
                body.Append(i % 1000 == 0 ? "" : ",").Append($$"""
                    {"type":"test","source":"filter-{{run}}","sourceRef":"{{i}}","title":"t{{i}}","date":{{date}},"tags":[{{tags}}],
                     "observables":[{"dataType":"domain","data":"{{common}}"}{{extra}}]}
                    """);
            }
            var result = await client.PostJsonAsync("/api/v1/alerts/_bulk", body.Append(']').ToString()).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(Math.Min(1000, count - batch * 1000), result.GetProperty("count").GetInt32());
        }

        var all = await PagesAsync(client, $"/api/v1/alerts?source=filter-{run}&limit=500", int.MaxValue);
        var byCommon = await PagesAsync(client, $"/api/v1/alerts?observable={common}&limit=50", 3);
        var byRare = await PagesAsync(client, $"/api/v1/alerts?observable={rare}&limit=20", int.MaxValue);
        var byCommonTag = await PagesAsync(client, $"/api/v1/alerts?tag={common}&limit=50", 3);
        var byRareTag = await PagesAsync(client, $"/api/v1/alerts?tag={rare}&limit=20", int.MaxValue);

        Assert.Equal(count, all.Count);
        Assert.Equal(all.Take(150), byCommon);
        Assert.Equal((count + 96) / 97, byRare.Count);
        Assert.Equal(all.Where(byRare.ToHashSet().Contains), byRare);
        Assert.Equal(byCommon, byCommonTag);
        Assert.Equal(byRare, byRareTag);
    }

    static async Task<List<long>> PagesAsync(HttpClient client, string path, int maxPages)
    {
        var ids = new List<long>();
        string? cursor = null;
        for (var page = 0; page < maxPages; page++)
        {
            var json = await client.GetAsync(cursor is null ? path : $"{path}&cursor={cursor}").ExpectAsync(HttpStatusCode.OK);
            ids.AddRange(json.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("id").GetInt64()));
            if (json.GetProperty("next").ValueKind != JsonValueKind.String)
                break;
            cursor = json.GetProperty("next").GetString();
        }
        return ids;
    }
}

public sealed class ObservableFilterTestsOnSqlite(SqliteServer server) : ObservableFilterTests(server), IClassFixture<SqliteServer>;

public sealed class ObservableFilterTestsOnPostgres(PostgresServer server) : ObservableFilterTests(server), IClassFixture<PostgresServer>;
