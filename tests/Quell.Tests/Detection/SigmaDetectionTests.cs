using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Detection;

/// <summary>A server detecting with SigmaHQ's Windows process-creation rules at ingest.</summary>
public sealed class SigmaRulesServer : SqliteServer
{
    protected override string? SigmaRules => TestData.Shared("sigma", "rules", "windows", "process_creation");
}

/// <summary>Sigma detection at ingest: a Sysmon event shipped over HEC raises one quell-sigma alert per rule and asset.</summary>
public sealed class SigmaDetectionTests(SigmaRulesServer server) : IClassFixture<SigmaRulesServer>
{
    const string Case = "proc_creation_win_bitsadmin_download_file_sharing_domains";

    [Fact]
    public async Task A_sysmon_event_matching_a_rule_raises_a_grouped_alert_with_the_rules_level_and_attack_tags()
    {
        using var client = server.Client();
        var r = await client.PostAsJsonAsync("/api/v1/ingest-tokens", new { name = "winlog", source = "winlogbeat" }).ExpectAsync(HttpStatusCode.Created);
        using var hec = new HttpClient { BaseAddress = server.BaseAddress };
        hec.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Splunk " + r.GetProperty("token").GetString());
        var sysmon = await File.ReadAllTextAsync(TestData.Shared("sigma", "regression_data", "rules", "windows", "process_creation", Case, "8518ed3d-f7c9-4601-a26c-f361a4256a0c.json"));
        var harmless = sysmon.Replace("bitsadmin", "notepad", StringComparison.OrdinalIgnoreCase).Replace("raw.githubusercontent.com", "intranet.example", StringComparison.Ordinal);
        var body = $"{{\"event\": {sysmon}}}\n{{\"event\": {sysmon}}}\n{{\"event\": {harmless}}}";

        var reply = await hec.PostAsync("/services/collector/event", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);

        var alerts = (await client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?source=quell-sigma&limit=100")).GetProperty("items").EnumerateArray().ToList();
        var alert = Assert.Single(alerts, a => a.GetProperty("title").GetString() == "Suspicious Download From File-Sharing Website Via Bitsadmin on swachchhanda");
        Assert.Equal(3, alert.GetProperty("severity").GetInt32());
        var tags = alert.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("attack.execution", tags);
        Assert.Contains("quell:sigma", tags);
        Assert.Equal(new DateTimeOffset(2025, 12, 10, 4, 47, 28, 250, TimeSpan.Zero).AddTicks(8020), alert.GetProperty("firstEvidenceAt").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
        var full = await client.GetFromJsonAsync<JsonElement>($"/api/v1/alerts/{alert.GetProperty("id").GetInt64()}");
        Assert.Equal("8518ed3d-f7c9-4601-a26c-f361a4256a0c", full.GetProperty("raw").GetProperty("rule").GetProperty("id").GetString());
        Assert.Equal(2, full.GetProperty("raw").GetProperty("eventCount").GetInt32());
        Assert.DoesNotContain(alerts, a => a.GetProperty("title").GetString()!.Contains("notepad", StringComparison.OrdinalIgnoreCase));
    }
}
