using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Detection;

/// <summary>Retro-hunt: an indicator added after its events were stored raises an alert whose first evidence is the earliest event.</summary>
public abstract class RetroHuntTests(TestServer server)
{
    [Fact]
    public async Task An_indicator_added_later_finds_earlier_events_and_dates_the_alert_by_the_first_one()
    {
        using var client = server.Client();
        var token = (await client.PostAsJsonAsync("/api/v1/ingest-tokens", new { name = "proxy", source = "proxy-" + Guid.NewGuid().ToString("N")[..6] })
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("token").GetString();
        var host = $"lt-{Guid.NewGuid():N}"[..12];
        var domain = $"exfil-{Guid.NewGuid():N}.example";
        using var hec = new HttpClient { BaseAddress = server.BaseAddress };
        hec.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Splunk " + token);
        var body = string.Join('\n',
            JsonSerializer.Serialize(new { time = 1764000000, @event = new { host = new { name = host }, destination = new { domain = $"upload.{domain}" } } }),
            JsonSerializer.Serialize(new { time = 1763900000, @event = new { host = new { name = host }, destination = new { domain } } }),
            JsonSerializer.Serialize(new { time = 1764100000, @event = new { host = new { name = host }, destination = new { domain } } }));
        Assert.Equal(HttpStatusCode.OK, (await hec.PostAsync("/services/collector/event", new StringContent(body, Encoding.UTF8, "application/json"))).StatusCode);

        var indicatorId = (await client.PostAsJsonAsync("/api/v1/indicators", new { type = "domain", value = domain, source = "retro-test" })
            .ExpectAsync(HttpStatusCode.Created)).Id();

        var alertId = await Eventually.UntilAsync<long>(async () =>
        {
            var items = (await client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?source=quell-intel&limit=100")).GetProperty("items").EnumerateArray();
            return items.FirstOrDefault(a => a.GetProperty("type").GetString() == "retro-hunt" && a.GetProperty("title").GetString()!.Contains(host, StringComparison.Ordinal))
                is { ValueKind: JsonValueKind.Object } a ? a.GetProperty("id").GetInt64() : null;
        }, "a retro-hunt alert for the indicator");

        var alert = await client.GetFromJsonAsync<JsonElement>($"/api/v1/alerts/{alertId}");
        // The related index holds exact names: the two events naming the domain itself, not the subdomain one.
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1763900000), alert.GetProperty("firstEvidenceAt").GetDateTimeOffset());
        Assert.Equal(2, alert.GetProperty("raw").GetProperty("eventCount").GetInt32());
        Assert.Equal(indicatorId, alert.GetProperty("raw").GetProperty("indicator").GetProperty("id").GetInt64());
        Assert.Contains("quell:retro-hunt", alert.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var indicator = await client.GetFromJsonAsync<JsonElement>($"/api/v1/indicators/{indicatorId}");
        Assert.Equal(1, indicator.GetProperty("sightings").GetProperty("counts").GetProperty("seen").GetInt32());
    }
}

public sealed class RetroHuntTestsOnSqlite(SqliteServer server) : RetroHuntTests(server), IClassFixture<SqliteServer>;

public sealed class RetroHuntTestsOnPostgres(PostgresServer server) : RetroHuntTests(server), IClassFixture<PostgresServer>;
