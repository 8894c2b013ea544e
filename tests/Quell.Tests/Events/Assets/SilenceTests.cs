using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Quell.Events.Assets;
using Quell.Tests.Support;

namespace Quell.Tests.Events.Assets;

/// <summary>The inventory of hosts and sources, and the alert when one goes silent for longer than expected.</summary>
public abstract class SilenceTests<TServer>(TServer server) where TServer : TestServer, IClockedServer
{
    async Task SendAsync(string token, string host)
    {
        using var hec = new HttpClient { BaseAddress = server.BaseAddress };
        hec.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Splunk " + token);
        var body = JsonSerializer.Serialize(new { @event = new { host = new { name = host }, message = "heartbeat" } });
        Assert.Equal(HttpStatusCode.OK, (await hec.PostAsync("/services/collector/event", new StringContent(body + "\n" + body, Encoding.UTF8, "application/json"))).StatusCode);
    }

    async Task<JsonElement?> AssetAsync(HttpClient client, string kind, string name) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/v1/assets?kind={kind}")).GetProperty("items").EnumerateArray()
            .Where(a => a.GetProperty("name").GetString() == name).Select(a => (JsonElement?)a).FirstOrDefault();

    async Task<List<JsonElement>> SilenceAlertsAsync(HttpClient client, string name) =>
        [.. (await client.GetFromJsonAsync<JsonElement>("/api/v1/alerts?source=quell-events&limit=100")).GetProperty("items").EnumerateArray()
            .Where(a => a.GetProperty("title").GetString()!.Contains(name, StringComparison.Ordinal))];

    [Fact]
    public async Task A_host_silent_past_its_interval_raises_one_alert_and_is_reported_again_after_it_resumes()
    {
        using var client = server.Client();
        var source = "agents-" + Guid.NewGuid().ToString("N")[..6];
        var host = "db-" + Guid.NewGuid().ToString("N")[..8];
        var token = (await client.PostAsJsonAsync("/api/v1/ingest-tokens", new { name = source, source }).ExpectAsync(HttpStatusCode.Created)).GetProperty("token").GetString()!;
        await SendAsync(token, host.ToUpperInvariant());

        var seen = (await AssetAsync(client, "host", host))!.Value;
        Assert.Equal(2, seen.GetProperty("events").GetInt64());
        Assert.False(seen.GetProperty("silent").GetBoolean());
        Assert.Equal(2, (await AssetAsync(client, "source", source))!.Value.GetProperty("events").GetInt64());
        (await client.PutAsJsonAsync($"/api/v1/assets/host/{host}", new { expectedIntervalSeconds = 600 })).EnsureSuccessStatusCode();

        var watch = server.Services.GetRequiredService<SilenceWatch>();
        server.Clock.Advance(TimeSpan.FromMinutes(11));
        await watch.CheckAsync(CancellationToken.None);
        await watch.CheckAsync(CancellationToken.None);

        var alert = Assert.Single(await SilenceAlertsAsync(client, host));
        Assert.StartsWith($"Host {host} has sent no events since", alert.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.True((await AssetAsync(client, "host", host))!.Value.GetProperty("silent").GetBoolean());
        Assert.Empty(await SilenceAlertsAsync(client, source)); // the source's interval is the default hour

        await SendAsync(token, host);
        Assert.False((await AssetAsync(client, "host", host))!.Value.GetProperty("silent").GetBoolean());
        server.Clock.Advance(TimeSpan.FromMinutes(11));
        await watch.CheckAsync(CancellationToken.None);
        Assert.Equal(2, (await SilenceAlertsAsync(client, host)).Count);
    }

    [Fact]
    public async Task Bad_intervals_and_unknown_assets_are_problems()
    {
        using var client = server.Client();
        await client.PutAsJsonAsync("/api/v1/assets/host/nobody-" + Guid.NewGuid().ToString("N")[..6], new { expectedIntervalSeconds = 600 }).ExpectProblemAsync(HttpStatusCode.NotFound);
        var tooShort = await client.PutAsJsonAsync("/api/v1/assets/host/x", new { expectedIntervalSeconds = 5 }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("expectedIntervalSeconds", tooShort.GetRawText(), StringComparison.Ordinal);
        await client.PutAsJsonAsync("/api/v1/assets/printer/x", new { expectedIntervalSeconds = 600 }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await client.GetAsync("/api/v1/assets?kind=printer").ExpectProblemAsync(HttpStatusCode.BadRequest);
    }
}

public sealed class SilenceTestsOnSqlite(ClockedSqliteServer server) : SilenceTests<ClockedSqliteServer>(server), IClassFixture<ClockedSqliteServer>;

public sealed class SilenceTestsOnPostgres(ClockedPostgresServer server) : SilenceTests<ClockedPostgresServer>(server), IClassFixture<ClockedPostgresServer>;
