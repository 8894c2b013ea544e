using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Quell.Intel.Feeds;
using Quell.Intel.Feeds.Formats;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Feeds.Formats;

public sealed class ThreatFoxReaderTests
{
    static readonly DateTimeOffset Now = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    static Func<ReplayServer.Request, HttpResponse, Task> Replay(string sample, int status = 200) => async (_, response) =>
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        await response.SendFileAsync(FeedRun.Sample(sample));
    };

    static async Task<FeedRun> PullAsync(ReplayServer server, DateTimeOffset? since = null, params (string Key, string Value)[] options)
    {
        using var fetcher = new TestHttpFeedFetcher(server.BaseUrl);
        var request = new FeedRequest(server.BaseUrl + "/api/v1/", options.ToDictionary(o => o.Key, o => o.Value), since);
        return await FeedRun.ReadAsync(new ThreatFoxReader(new FakeTimeProvider(Now)), request, fetcher);
    }

    [Fact]
    public async Task Get_iocs_answer_yields_typed_indicators_with_malware_tags_and_confidence()
    {
        await using var server = await ReplayServer.StartAsync(Replay("threatfox-get-iocs.json"));

        var run = await PullAsync(server, Now.AddHours(-36), ("authKey", "secret-key"));

        var request = Assert.Single(server.Requests);
        Assert.Equal(("POST", "/api/v1/", "secret-key"), (request.Method, request.Path, request.Headers["Auth-Key"]));
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("get_iocs", body.RootElement.GetProperty("query").GetString());
        Assert.Equal(2, body.RootElement.GetProperty("days").GetInt32());

        Assert.Equal(
            [
                ("ip-dst|port", "198.51.100.61|2404"),
                ("domain", "gaga.example.com"),
                ("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
                ("url", "http://203.0.113.9/bins/mozi.m"),
            ],
            run.Indicators.Select(i => (i.Type, i.Value)));
        var remcos = run.Indicators[0];
        Assert.Equal(["RAT", "RemcosRAT", "Remcos", "botnet_cc"], remcos.Tags);
        Assert.Equal((100, "1402311"), (remcos.Confidence, remcos.SourceRef));
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 8, 20, 11, TimeSpan.Zero), remcos.FirstSeen);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero), run.Indicators[1].LastSeen);
        Assert.Equal(["exe", "payload"], run.Indicators[2].Tags);

        Assert.Equal(["ioc 1402307", "ioc 1402306"], run.Errors.Select(e => e.Where));
        Assert.Contains("'carrier_pigeon'", run.Errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Days_come_from_the_option_or_default_to_the_seven_ThreatFox_keeps()
    {
        await using var server = await ReplayServer.StartAsync(Replay("threatfox-get-iocs.json"));

        await PullAsync(server);
        await PullAsync(server, Now.AddDays(-30));
        await PullAsync(server, Now.AddDays(-30), ("days", "1"));

        Assert.Equal([7, 7, 1], server.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("days").GetInt32()));
        await Assert.ThrowsAsync<FeedFormatException>(() => PullAsync(server, null, ("days", "30")));
    }

    [Fact]
    public async Task A_query_status_other_than_ok_fails_the_pull_with_that_status()
    {
        await using var server = await ReplayServer.StartAsync(Replay("threatfox-illegal-key.json"));

        var e = await Assert.ThrowsAsync<FeedFormatException>(() => PullAsync(server, null, ("authKey", "wrong")));

        Assert.Contains("query_status 'unknown_auth_key'", e.Message, StringComparison.Ordinal);
        Assert.Contains("authKey", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(403)]
    public async Task An_HTTP_error_fails_the_pull_naming_the_status(int status)
    {
        await using var server = await ReplayServer.StartAsync(Replay("threatfox-illegal-key.json", status));

        var e = await Assert.ThrowsAsync<FeedFormatException>(() => PullAsync(server));

        Assert.Contains($"answered {status}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_answer_fails_the_pull()
    {
        await using var server = await ReplayServer.StartAsync(async (_, response) => await response.WriteAsync("""{"query_status": "ok", "data": [{"id": "1", "ioc": "gaga"""));

        var e = await Assert.ThrowsAsync<FeedFormatException>(() => PullAsync(server));

        Assert.Contains("not valid JSON", e.Message, StringComparison.Ordinal);
    }
}
