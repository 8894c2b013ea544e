using System.Net.Http.Json;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Detection;

/// <summary>A server detecting with a correlation rule (and its base rule) written to a rules directory of its own.</summary>
public sealed class SigmaCorrelationServer : SqliteServer, IDisposable
{
    readonly string _rules = Directory.CreateTempSubdirectory("quell-sigma-corr-").FullName;

    public SigmaCorrelationServer() =>
        File.WriteAllText(Path.Combine(_rules, "mr_brute_force.yml"), Sigma.SigmaTestRules.BruteForce("40000000-0000-0000-0000-000000000001"));

    protected override string? SigmaRules => _rules;

    public void Dispose() => Directory.Delete(_rules, recursive: true);
}

/// <summary>Correlation at ingest: failures spread over two requests raise one sigma-correlation alert with the events as evidence.</summary>
public sealed class SigmaCorrelationDetectionTests(SigmaCorrelationServer server) : IClassFixture<SigmaCorrelationServer>
{
    static string Failed(string user, int minute) =>
        $$$"""{"@timestamp": "2026-02-01T08:{{{minute:00}}}:00Z", "EventID": 4625, "TargetUserName": "{{{user}}}", "host": {"name": "dc1"}}""";

    [Fact]
    public async Task Failures_of_one_account_across_batches_raise_one_correlation_alert_and_the_base_rule_alone_raises_none()
    {
        using var client = server.Client();
        var first = await client.PostAsync("/api/v1/events?source=dc-security", new StringContent(string.Join("\n", Failed("bob", 0), Failed("carol", 0), Failed("bob", 1))));
        first.EnsureSuccessStatusCode();
        Assert.Empty(await AlertsAsync(client));

        var second = await client.PostAsync("/api/v1/events?source=dc-security", new StringContent(string.Join("\n", Failed("carol", 9), Failed("bob", 3))));
        second.EnsureSuccessStatusCode();

        var alert = Assert.Single(await AlertsAsync(client));
        Assert.Equal("sigma-correlation", alert.GetProperty("type").GetString());
        Assert.Equal("Brute force on one account (TargetUserName=bob)", alert.GetProperty("title").GetString());
        Assert.Equal(3, alert.GetProperty("severity").GetInt32());
        Assert.Contains("attack.t1110", alert.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(new DateTimeOffset(2026, 2, 1, 8, 0, 0, TimeSpan.Zero), alert.GetProperty("firstEvidenceAt").GetDateTimeOffset());
        var raw = (await client.GetFromJsonAsync<JsonElement>($"/api/v1/alerts/{alert.GetProperty("id").GetInt64()}")).GetProperty("raw");
        Assert.Equal("40000000-0000-0000-0000-000000000001", raw.GetProperty("rule").GetProperty("id").GetString());
        Assert.Equal("event_count", raw.GetProperty("rule").GetProperty("type").GetString());
        Assert.Equal("bob", raw.GetProperty("group").GetProperty("TargetUserName").GetString());
        Assert.Equal(3, raw.GetProperty("eventCount").GetInt32());
        Assert.All(raw.GetProperty("events").EnumerateArray(), e => Assert.Contains("\"bob\"", e.GetProperty("raw").GetString()));
    }

    static async Task<List<JsonElement>> AlertsAsync(HttpClient client) =>
        [.. (await client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?source=quell-sigma&limit=100")).GetProperty("items").EnumerateArray()];
}
