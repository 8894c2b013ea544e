using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Detection;

/// <summary>Indicator detection at ingest: events that carry a listed value raise one quell-intel alert per indicator and asset.</summary>
public abstract class IntelDetectionTests(TestServer server)
{
    async Task<string> CreateTokenAsync(string source)
    {
        using var admin = server.Client();
        var r = await admin.PostAsJsonAsync("/api/v1/ingest-tokens", new { name = "t-" + source, source }).ExpectAsync(HttpStatusCode.Created);
        return r.GetProperty("token").GetString()!;
    }

    async Task SendAsync(string token, string body)
    {
        using var hec = new HttpClient { BaseAddress = server.BaseAddress };
        hec.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Splunk " + token);
        var r = await hec.PostAsync("/services/collector/event", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }

    [Fact]
    public async Task Events_carrying_an_indicator_raise_one_grouped_alert_with_evidence_and_a_sighting()
    {
        using var client = server.Client();
        var domain = $"c2-{Guid.NewGuid():N}.example";
        var host = $"ws-{Guid.NewGuid():N}"[..12];
        var indicatorId = (await client.PostAsJsonAsync("/api/v1/indicators", new { type = "domain", value = domain, source = "detection-test", tags = new[] { "tlp:amber" } })
            .ExpectAsync(HttpStatusCode.Created)).Id();
        var unrelated = $"benign-{Guid.NewGuid():N}.example";
        // An explicit lookup catches the matcher up with the store (the background does it every 2 s).
        await client.PostAsJsonAsync("/api/v1/intel/lookup", new { values = new[] { domain } }).ExpectAsync(HttpStatusCode.OK);
        var token = await CreateTokenAsync("dns-" + host);

        await SendAsync(token, $$$$"""
            {"time": 1764324000, "event": {"host": {"name": "{{{{host}}}}"}, "dns": {"question": {"name": "beacon.{{{{domain}}}}"}}, "message": "query"}}
            {"time": 1764324001, "event": {"host": {"name": "{{{{host}}}}"}, "dns": {"question": {"name": "www.{{{{unrelated}}}}"}}} }
            """);
        await SendAsync(token, $$$$"""
            {"time": 1764324060, "event": {"host": {"name": "{{{{host}}}}"}, "url": {"original": "https://{{{{domain}}}}/gate.php"}}}
            """);

        var alerts = (await client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?source=quell-intel&limit=100")).GetProperty("items").EnumerateArray()
            .Where(a => a.GetProperty("title").GetString()!.Contains(host, StringComparison.Ordinal)).ToList();
        var alert = Assert.Single(alerts);
        Assert.Contains(domain, alert.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2025, 11, 28, 10, 0, 0, TimeSpan.Zero), alert.GetProperty("firstEvidenceAt").GetDateTimeOffset());
        var full = await client.GetFromJsonAsync<JsonElement>($"/api/v1/alerts/{alert.GetProperty("id").GetInt64()}");
        var observables = full.GetProperty("observables").EnumerateArray().Select(o => (o.GetProperty("dataType").GetString(), o.GetProperty("data").GetString())).ToList();
        Assert.Contains(("domain", $"beacon.{domain}"), observables);
        Assert.Contains(("url", $"https://{domain}/gate.php"), observables);
        Assert.Contains(("hostname", host), observables);
        Assert.DoesNotContain(observables, o => o.Item2!.Contains(unrelated, StringComparison.Ordinal));
        var raw = full.GetProperty("raw");
        Assert.Equal(indicatorId, raw.GetProperty("indicator").GetProperty("id").GetInt64());
        Assert.Contains("detection-test", raw.GetProperty("indicator").GetProperty("sources").EnumerateArray().Select(s => s.GetString()));

        var indicator = await client.GetFromJsonAsync<JsonElement>($"/api/v1/indicators/{indicatorId}");
        Assert.Equal(1, indicator.GetProperty("sightings").GetProperty("counts").GetProperty("seen").GetInt32());
        var sighting = Assert.Single(indicator.GetProperty("sightings").GetProperty("recent").EnumerateArray());
        Assert.Equal("seen", sighting.GetProperty("type").GetString());
        Assert.Equal("quell-intel", sighting.GetProperty("source").GetString());
    }

    [Fact]
    public async Task A_suppressed_indicator_raises_nothing()
    {
        using var client = server.Client();
        var address = $"203.0.113.{Random.Shared.Next(1, 250)}";
        var host = $"srv-{Guid.NewGuid():N}"[..12];
        var id = (await client.PostAsJsonAsync("/api/v1/indicators", new { type = "ip-dst", value = address }).ExpectAsync(HttpStatusCode.Created)).Id();
        for (var i = 0; i < 3; i++)
            await client.PostAsJsonAsync($"/api/v1/indicators/{id}/sightings", new { type = "false-positive" }).ExpectAsync(HttpStatusCode.Created);
        await client.PostAsJsonAsync("/api/v1/intel/lookup", new { values = new[] { address } }).ExpectAsync(HttpStatusCode.OK);

        await SendAsync(await CreateTokenAsync("fw-" + host), $$$$"""{"event": {"host": {"name": "{{{{host}}}}"}, "destination": {"ip": "{{{{address}}}}"}}}""");

        var alerts = (await client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?source=quell-intel&limit=100")).GetProperty("items").EnumerateArray();
        Assert.DoesNotContain(alerts, a => a.GetProperty("title").GetString()!.Contains(host, StringComparison.Ordinal));
    }
}

public sealed class IntelDetectionTestsOnSqlite(SqliteServer server) : IntelDetectionTests(server), IClassFixture<SqliteServer>;

public sealed class IntelDetectionTestsOnPostgres(PostgresServer server) : IntelDetectionTests(server), IClassFixture<PostgresServer>;
