using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Quell.Events;
using Quell.Tests.Support;

namespace Quell.Tests.Detection;

/// <summary>
/// Detection runs while the batch is stored (decision 224), yet raises nothing for a batch that was not stored: a
/// matching event whose store fails gets HEC's 500 and no alert; sent again once the store works, it raises its alert.
/// </summary>
public sealed class SigmaDetectionOrderTests(SigmaRulesServer server) : IClassFixture<SigmaRulesServer>
{
    const string Title = "Suspicious Download From File-Sharing Website Via Bitsadmin on swachchhanda";

    [Fact]
    public async Task A_matching_batch_whose_store_fails_raises_no_alert_and_raises_it_once_stored()
    {
        using var client = server.Client();
        var r = await client.PostAsJsonAsync("/api/v1/ingest-tokens", new { name = "winlog", source = "winlogbeat" }).ExpectAsync(HttpStatusCode.Created);
        using var hec = new HttpClient { BaseAddress = server.BaseAddress };
        hec.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Splunk " + r.GetProperty("token").GetString());
        var sysmon = await File.ReadAllTextAsync(TestData.Shared("sigma", "regression_data", "rules", "windows", "process_creation",
            "proc_creation_win_bitsadmin_download_file_sharing_domains", "8518ed3d-f7c9-4601-a26c-f361a4256a0c.json"));
        var body = $"{{\"event\": {sysmon}}}";
        // The event's day partition (retention 90 days) exists with a layout the store cannot write into.
        var table = EventPartitions.Table(90, EventPartitions.Day(new DateTimeOffset(2025, 12, 10, 4, 47, 28, TimeSpan.Zero).ToUnixTimeMilliseconds()));
        await server.Db.WriteAsync(async (c, tx) => await c.ExecuteAsync(
            $"CREATE TABLE {table} (id INTEGER PRIMARY KEY); CREATE TABLE {EventPartitions.RelatedTable(table)} (value TEXT)", transaction: tx));

        var failed = await hec.PostAsync("/services/collector/event", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.DoesNotContain(await SigmaAlertTitlesAsync(client), t => t == Title);

        await server.Db.WriteAsync(async (c, tx) => await c.ExecuteAsync(
            $"DROP TABLE {table}; DROP TABLE {EventPartitions.RelatedTable(table)}", transaction: tx));
        var stored = await hec.PostAsync("/services/collector/event", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Contains(await SigmaAlertTitlesAsync(client), t => t == Title);
    }

    static async Task<List<string?>> SigmaAlertTitlesAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?source=quell-sigma&limit=100")).GetProperty("items").EnumerateArray()
            .Select(a => a.GetProperty("title").GetString()).ToList();
}
