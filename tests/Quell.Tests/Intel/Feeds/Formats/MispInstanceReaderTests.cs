using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Quell.Intel.Feeds;
using Quell.Intel.Feeds.Formats;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Feeds.Formats;

public sealed class MispInstanceReaderTests
{
    /// <summary>Answers restSearch page 1 and 2 from the samples, an empty page after them.</summary>
    static async Task Pages(ReplayServer.Request request, HttpResponse response)
    {
        var page = JsonDocument.Parse(request.Body).RootElement.GetProperty("page").GetInt32();
        response.ContentType = "application/json";
        if (page <= 2)
            await response.SendFileAsync(FeedRun.Sample($"misp-restsearch-page{page}.json"));
        else
            await response.WriteAsync("""{"response": {"Attribute": []}}""");
    }

    static async Task<FeedRun> PullAsync(ReplayServer server, DateTimeOffset? since, params (string Key, string Value)[] options)
    {
        using var fetcher = new TestHttpFeedFetcher(server.BaseUrl);
        return await FeedRun.ReadAsync(new MispInstanceReader(), new FeedRequest(server.BaseUrl + "/", options.ToDictionary(o => o.Key, o => o.Value), since), fetcher);
    }

    [Fact]
    public async Task RestSearch_pages_until_a_short_page_and_yields_attributes_with_their_event()
    {
        await using var server = await ReplayServer.StartAsync(Pages);
        var since = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);

        var run = await PullAsync(server, since, ("apiKey", "misp-automation-key"), ("limit", "3"));

        Assert.Equal(2, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.Equal(("POST", "/attributes/restSearch", "misp-automation-key"), (r.Method, r.Path, r.Headers["Authorization"])));
        using var first = JsonDocument.Parse(server.Requests.First().Body);
        var body = first.RootElement;
        Assert.Equal("json", body.GetProperty("returnFormat").GetString());
        Assert.Equal(since.ToUnixTimeSeconds(), body.GetProperty("timestamp").GetInt64());
        Assert.True(body.GetProperty("includeEventTags").GetBoolean());
        Assert.True(body.GetProperty("includeContext").GetBoolean());
        Assert.Equal((1, 3), (body.GetProperty("page").GetInt32(), body.GetProperty("limit").GetInt32()));

        Assert.Equal(
            [
                ("url", "https://login.example-bank.net/verify"),
                ("domain", "example-bank.net"),
                ("ip-dst", "198.51.100.99"),
                ("email-src", "ceo@example-bank.net"),
            ],
            run.Indicators.Select(i => (i.Type, i.Value)));
        var url = run.Indicators[0];
        Assert.Equal(("Network activity", true, "aaaaaaaa-0000-4000-8000-000000000001"), (url.Category, url.ToIds, url.SourceRef));
        Assert.Equal(["tlp:amber", "kill-chain:delivery"], url.Tags);
        Assert.Equal(("5f0c0a3e-1111-4222-8333-444455556666", "Phishing campaign against finance"), (url.Context!.Uuid, url.Context.Info));
        Assert.Equal("spoofed sender", run.Indicators[3].Comment);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero), run.Indicators[3].FirstSeen);

        var error = Assert.Single(run.Errors);
        Assert.StartsWith("attribute aaaaaaaa-0000-4000-8000-000000000004", error.Where, StringComparison.Ordinal);
        Assert.Contains("md5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_since_no_timestamp_is_sent_and_one_short_page_ends_the_pull()
    {
        await using var server = await ReplayServer.StartAsync(Pages);

        var run = await PullAsync(server, null, ("apiKey", "k"));

        var request = Assert.Single(server.Requests);
        Assert.False(JsonDocument.Parse(request.Body).RootElement.TryGetProperty("timestamp", out _));
        Assert.Equal(3, run.Indicators.Count);
    }

    [Theory]
    [InlineData(403, "misp-restsearch-403.json")]
    [InlineData(500, "misp-restsearch-403.json")]
    public async Task An_HTTP_error_fails_the_pull_naming_the_status(int status, string sample)
    {
        await using var server = await ReplayServer.StartAsync(async (_, response) =>
        {
            response.StatusCode = status;
            await response.SendFileAsync(FeedRun.Sample(sample));
        });

        var e = await Assert.ThrowsAsync<FeedFormatException>(() => PullAsync(server, null, ("apiKey", "wrong")));

        Assert.Contains("MISP restSearch", e.Message, StringComparison.Ordinal);
        Assert.Contains($"answered {status}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_that_is_not_a_restSearch_answer_fails_the_pull_with_its_message()
    {
        await using var server = await ReplayServer.StartAsync((_, response) => response.SendFileAsync(FeedRun.Sample("misp-restsearch-403.json")));

        var e = await Assert.ThrowsAsync<FeedFormatException>(() => PullAsync(server, null, ("apiKey", "k")));

        Assert.Contains("Authentication failed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_api_key_is_a_feed_error_before_any_request()
    {
        await using var server = await ReplayServer.StartAsync(Pages);

        var e = await Assert.ThrowsAsync<FeedFormatException>(() => PullAsync(server, null));

        Assert.Contains("apiKey", e.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }
}
