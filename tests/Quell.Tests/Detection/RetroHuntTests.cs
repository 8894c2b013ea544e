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

    [Fact]
    public async Task An_expired_indicator_found_in_stored_events_is_hunted_again_when_it_is_reported_afresh()
    {
        using var client = server.Client();
        var (stale, fresh) = ($"old-{Guid.NewGuid():N}"[..12], $"new-{Guid.NewGuid():N}"[..12]);
        var (staleDomain, freshDomain) = ($"c2-{Guid.NewGuid():N}.example", $"c2-{Guid.NewGuid():N}.example");
        var events = string.Join('\n',
            JsonSerializer.Serialize(new { @timestamp = "2026-11-01T08:00:00Z", host = new { name = stale }, destination = new { domain = staleDomain } }),
            JsonSerializer.Serialize(new { @timestamp = "2026-11-02T08:00:00Z", host = new { name = fresh }, destination = new { domain = freshDomain } }));
        await (await client.PostAsync("/api/v1/events?source=proxy", new StringContent(events, Encoding.UTF8, "application/x-ndjson"))).ExpectAsync(HttpStatusCode.OK);

        // Last seen two years ago: expired, so found but not alerted. The live one after it shows the hunt has passed both.
        var longAgo = DateTimeOffset.UtcNow.AddYears(-2).ToUnixTimeMilliseconds();
        var staleId = (await client.PostAsJsonAsync("/api/v1/indicators", new { type = "domain", value = staleDomain, source = "retro-test", firstSeen = longAgo, lastSeen = longAgo })
            .ExpectAsync(HttpStatusCode.Created)).Id();
        Assert.True((await client.GetFromJsonAsync<JsonElement>($"/api/v1/indicators/{staleId}")).GetProperty("expired").GetBoolean());
        await client.PostAsJsonAsync("/api/v1/indicators", new { type = "domain", value = freshDomain, source = "retro-test" }).ExpectAsync(HttpStatusCode.Created);
        await RetroAlertAsync(client, fresh);
        Assert.Null(await FindRetroAlertAsync(client, stale));

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await (await client.PatchAsJsonAsync($"/api/v1/indicators/{staleId}", new { lastSeen = now })).ExpectAsync(HttpStatusCode.OK);
        var alert = await client.GetFromJsonAsync<JsonElement>($"/api/v1/alerts/{await RetroAlertAsync(client, stale)}");
        Assert.Equal(DateTimeOffset.Parse("2026-11-01T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture), alert.GetProperty("firstEvidenceAt").GetDateTimeOffset());
        Assert.Equal(staleId, alert.GetProperty("raw").GetProperty("indicator").GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task A_hunt_over_many_assets_raises_one_alert_per_asset_each_dated_by_its_own_first_event()
    {
        // 65 hosts: more alerts than one multi-row statement holds, so the batched write is crossed at its seams.
        using var client = server.Client();
        var domain = $"wide-{Guid.NewGuid():N}.example";
        var hosts = Enumerable.Range(0, 65).Select(i => $"w{i}-{Guid.NewGuid():N}"[..14]).ToList();
        var first = DateTimeOffset.Parse("2026-11-10T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var events = string.Join('\n', hosts.SelectMany((h, i) => new[] { 2 * i + 1, i }.Select(minutes =>
            JsonSerializer.Serialize(new { @timestamp = first.AddMinutes(minutes), host = new { name = h }, destination = new { domain } }))));
        await (await client.PostAsync("/api/v1/events?source=proxy", new StringContent(events, Encoding.UTF8, "application/x-ndjson"))).ExpectAsync(HttpStatusCode.OK);

        var indicatorId = (await client.PostAsJsonAsync("/api/v1/indicators", new { type = "domain", value = domain, source = "retro-test" })
            .ExpectAsync(HttpStatusCode.Created)).Id();
        async Task<List<JsonElement>> AlertsAsync() =>
            [.. (await client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?source=quell-intel&limit=500")).GetProperty("items").EnumerateArray()
                .Where(a => a.GetProperty("title").GetString()!.Contains(domain, StringComparison.Ordinal))];
        await Eventually.UntilAsync(async () => (await AlertsAsync()).Count == hosts.Count ? true : (bool?)null, "a retro-hunt alert per host");
        var alerts = await AlertsAsync();

        foreach (var (host, i) in hosts.Select((h, i) => (h, i)))
        {
            var alert = alerts.Single(a => a.GetProperty("title").GetString()!.Contains(host, StringComparison.Ordinal));
            var full = await client.GetFromJsonAsync<JsonElement>($"/api/v1/alerts/{alert.GetProperty("id").GetInt64()}");
            Assert.Equal(first.AddMinutes(i), full.GetProperty("firstEvidenceAt").GetDateTimeOffset());
            Assert.Equal(2, full.GetProperty("raw").GetProperty("eventCount").GetInt32());
            Assert.Equal([("domain", domain), ("hostname", host)], full.GetProperty("observables").EnumerateArray()
                .Select(o => (o.GetProperty("dataType").GetString(), o.GetProperty("data").GetString())).Order());
        }
        var indicator = await client.GetFromJsonAsync<JsonElement>($"/api/v1/indicators/{indicatorId}");
        Assert.Equal(hosts.Count, indicator.GetProperty("sightings").GetProperty("counts").GetProperty("seen").GetInt32());
        Assert.True((await client.GetFromJsonAsync<JsonElement>("/api/v1/audit/verify")).GetProperty("valid").GetBoolean());
    }

    static Task<long> RetroAlertAsync(HttpClient client, string host) =>
        Eventually.UntilAsync(() => FindRetroAlertAsync(client, host), $"a retro-hunt alert for {host}");

    static async Task<long?> FindRetroAlertAsync(HttpClient client, string host)
    {
        var items = (await client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?source=quell-intel&limit=100")).GetProperty("items").EnumerateArray();
        return items.FirstOrDefault(a => a.GetProperty("type").GetString() == "retro-hunt" && a.GetProperty("title").GetString()!.Contains(host, StringComparison.Ordinal))
            is { ValueKind: JsonValueKind.Object } a ? a.GetProperty("id").GetInt64() : null;
    }
}

public sealed class RetroHuntTestsOnSqlite(SqliteServer server) : RetroHuntTests(server), IClassFixture<SqliteServer>;

public sealed class RetroHuntTestsOnPostgres(PostgresServer server) : RetroHuntTests(server), IClassFixture<PostgresServer>;
