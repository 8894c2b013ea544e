using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Quell.Intel.Feeds;
using Quell.Intel.Stix;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Stix;

/// <summary>
/// A TAXII 2.1 server on 127.0.0.1 replaying answers shaped as the TAXII 2.1 specification shows them (discovery,
/// API root, collections, envelopes with more/next), checking Accept and credentials as a real server does.
/// </summary>
public sealed class TaxiiReplayServer : IAsyncLifetime
{
    WebApplication? _app;
    public string BaseUrl { get; private set; } = "";
    public ConcurrentQueue<string> Requests { get; } = new();
    public HttpClient Client { get; } = new();

    const string Taxii = "application/taxii+json;version=2.1";

    static string Indicator(int n, string extra = "") =>
        $$"""{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-{{n:D12}}","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '198.51.100.{{n}}']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"{{extra}}}""";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.Use(async (ctx, next) =>
        {
            Requests.Enqueue(ctx.Request.Path + ctx.Request.QueryString);
            if (ctx.Request.Headers.Authorization != "Basic " + Convert.ToBase64String("alice:s3cret"u8.ToArray()))
            {
                ctx.Response.StatusCode = 401;
                return;
            }
            if (!ctx.Request.Headers.Accept.ToString().Contains("application/taxii+json", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 406;
                return;
            }
            await next();
        });
        _app.MapGet("/taxii2/", () => Json("""{"title":"Replay","default":"/api1/","api_roots":["/api1/","/api2/"]}"""));
        _app.MapGet("/api1/", () => Json("""{"title":"API 1","versions":["application/taxii+json;version=2.1"],"max_content_length":10485760}"""));
        _app.MapGet("/api1/collections/", () => Json("""
            {"collections":[
              {"id":"91a7b528-80eb-42ed-a74d-c6fbd5a26116","title":"High Value Indicators","can_read":true,"can_write":false,"media_types":["application/stix+json;version=2.1"]},
              {"id":"52892447-4d7e-4f70-b94d-d7f22742ff63","title":"Secret","can_read":false,"can_write":false}
            ]}
            """));
        _app.MapGet("/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/", () => Json("""{"id":"91a7b528-80eb-42ed-a74d-c6fbd5a26116","title":"High Value Indicators","can_read":true,"can_write":false}"""));
        _app.MapGet("/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/objects/", (HttpRequest r) =>
        {
            var next = r.Query["next"].ToString();
            return next switch
            {
                "" => Json($$"""{"more":true,"next":"page-2","objects":[{{Indicator(1, ",\"created_by_ref\":\"identity--00000000-0000-4000-8000-000000000001\"")}},{{Indicator(2)}}]}"""),
                "page-2" => Json($$"""{"more":true,"next":"page 3","objects":[{{Indicator(3)}}]}"""),
                // The creator of indicator 1 arrives on the last page.
                "page 3" => Json($$"""{"more":false,"objects":[{{Indicator(4)}},{"type":"identity","spec_version":"2.1","id":"identity--00000000-0000-4000-8000-000000000001","name":"Replay CERT"}]}"""),
                _ => Results.StatusCode(400),
            };
        });
        _app.MapGet("/api2/", () => Json("""{"title":"API 2","versions":["application/taxii+json;version=2.1"]}"""));
        _app.MapGet("/api2/collections/", () => Json("""{"collections":[{"id":"c2","title":"Loop","can_read":true}]}"""));
        _app.MapGet("/api2/collections/c2/objects/", () => Json("""{"more":true,"objects":[]}"""));
        await _app.StartAsync();
        BaseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    static IResult Json(string body) => Results.Text(body, Taxii);

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
            await _app.DisposeAsync();
    }
}

public class TaxiiFeedReaderTests(TaxiiReplayServer server) : IClassFixture<TaxiiReplayServer>
{
    static readonly Dictionary<string, string> Alice = new() { ["username"] = "alice", ["password"] = "s3cret" };

    async Task<List<FeedEntry>> Read(string path, Dictionary<string, string> options, DateTimeOffset? since = null)
    {
        var url = server.BaseUrl + path;
        var list = new List<FeedEntry>();
        await foreach (var e in new TaxiiFeedReader().ReadAsync(new FeedRequest(url, options, since), new HttpFeedFetcher(server.Client, url), CancellationToken.None))
            list.Add(e);
        return list;
    }

    [Fact]
    public async Task Discovery_leads_to_the_default_api_root_and_pages_through_the_collection()
    {
        var entries = await Read("/taxii2/", new(Alice) { ["collection"] = "High Value Indicators", ["limit"] = "2" }, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        Assert.Equal(["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"], entries.Select(e => e.Indicator!.Value));
        Assert.Equal("stix:created-by=\"Replay CERT\"", Assert.Single(entries[0].Indicator!.Context!.Tags));
        var objectRequests = server.Requests.Where(r => r.Contains("/objects/", StringComparison.Ordinal)).Select(Uri.UnescapeDataString).ToList();
        Assert.Contains("/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/objects/?limit=2&added_after=2026-01-02T03:04:05.000Z", objectRequests);
        Assert.Contains("/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/objects/?limit=2&added_after=2026-01-02T03:04:05.000Z&next=page-2", objectRequests);
        Assert.Contains("/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/objects/?limit=2&added_after=2026-01-02T03:04:05.000Z&next=page 3", objectRequests);
    }

    [Fact]
    public async Task The_collection_is_chosen_by_id_and_the_only_readable_one_without_the_option()
    {
        Assert.Equal(4, (await Read("/api1/", new(Alice) { ["collection"] = "91a7b528-80eb-42ed-a74d-c6fbd5a26116" })).Count);
        Assert.Equal(4, (await Read("/api1/", new(Alice))).Count);
        Assert.Equal(4, (await Read("/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/", new(Alice))).Count);
    }

    [Fact]
    public async Task An_unknown_or_unreadable_collection_names_the_ones_there_are()
    {
        var e = await Assert.ThrowsAsync<FeedFormatException>(() => Read("/taxii2/", new(Alice) { ["collection"] = "nope" }));
        Assert.Contains("'High Value Indicators' (91a7b528-80eb-42ed-a74d-c6fbd5a26116)", e.Message, StringComparison.Ordinal);
        e = await Assert.ThrowsAsync<FeedFormatException>(() => Read("/taxii2/", new(Alice) { ["collection"] = "Secret" }));
        Assert.Contains("not readable", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_credentials_fail_the_feed_with_a_hint()
    {
        var e = await Assert.ThrowsAsync<FeedFormatException>(() => Read("/taxii2/", new() { ["username"] = "alice", ["password"] = "wrong" }));
        Assert.Contains("401", e.Message, StringComparison.Ordinal);
        Assert.Contains("username/password or token", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_refusing_the_taxii_media_type_fails_the_feed()
    {
        var url = server.BaseUrl + "/taxii2/";
        // A fetcher that drops Accept, as a misconfigured proxy would: the server answers 406.
        var fetcher = new DroppingAcceptFetcher(new HttpFeedFetcher(server.Client, url));
        var e = await Assert.ThrowsAsync<FeedFormatException>(async () =>
        {
            await foreach (var _ in new TaxiiFeedReader().ReadAsync(new FeedRequest(url, Alice), fetcher, CancellationToken.None))
            {
            }
        });
        Assert.Contains("406", e.Message, StringComparison.Ordinal);
        Assert.Contains("TAXII 2.1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task More_without_next_fails_instead_of_looping()
    {
        var e = await Assert.ThrowsAsync<FeedFormatException>(() => Read("/taxii2/", new(Alice) { ["api_root"] = "api2" }));
        Assert.Contains("gives no 'next'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_url_that_is_not_taxii_is_refused()
    {
        var e = await Assert.ThrowsAsync<FeedFormatException>(() => Read("/nothing/", new(Alice)));
        Assert.Contains("404", e.Message, StringComparison.Ordinal);
    }

    sealed class DroppingAcceptFetcher(IFeedFetcher inner) : IFeedFetcher
    {
        public Task<FeedDocument> GetAsync(string url, IReadOnlyDictionary<string, string>? headers, CancellationToken ct) =>
            inner.GetAsync(url, headers?.Where(h => h.Key != "Accept").ToDictionary(h => h.Key, h => h.Value), ct);

        public Task<FeedDocument> PostJsonAsync(string url, string json, IReadOnlyDictionary<string, string>? headers, CancellationToken ct) =>
            inner.PostJsonAsync(url, json, headers, ct);
    }
}
