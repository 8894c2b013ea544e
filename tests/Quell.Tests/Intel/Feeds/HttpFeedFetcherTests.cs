using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Quell.Intel.Feeds;
using Quell.Intel.Feeds.Fetching;

namespace Quell.Tests.Intel.Feeds;

/// <summary>The guarded "quell-feeds" HTTP client against a local publisher: validators, 304, errors, size cap, SSRF guard.</summary>
public sealed class HttpFeedFetcherTests : IAsyncLifetime
{
    FeedSource _source = null!;

    public async Task InitializeAsync() => _source = await FeedSource.StartAsync();

    public async Task DisposeAsync() => await _source.DisposeAsync();

    static ServiceProvider Services(bool allowPrivate = true, long maxBody = 1 << 20)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddFeedHttp();
        services.Configure<FeedFetchOptions>(o =>
        {
            o.AllowPrivateNetworks = allowPrivate;
            o.MaxBodyBytes = maxBody;
            o.Retries = 2;
            o.RetryDelay = TimeSpan.FromMilliseconds(10);
        });
        return services.BuildServiceProvider();
    }

    static HttpFeedFetcher Fetcher(ServiceProvider sp, string url, string? etag = null) =>
        new(sp.GetRequiredService<IHttpClientFactory>().CreateClient(FeedHttp.ClientName), url, etag, null,
            sp.GetRequiredService<IOptions<FeedFetchOptions>>().Value.MaxBodyBytes);

    static async Task<string> ReadAsync(FeedDocument doc)
    {
        await using var _ = doc;
        using var reader = new StreamReader(doc.Body);
        return await reader.ReadToEndAsync();
    }

    [Fact]
    public async Task The_main_document_is_asked_with_its_etag_and_a_304_is_not_modified()
    {
        using var sp = Services();
        _source.Body = "evil.example\n";
        _source.ETag = "\"v1\"";
        var first = Fetcher(sp, _source.Url());
        Assert.Equal("evil.example\n", await ReadAsync(await first.GetAsync(_source.Url(), null, default)));
        Assert.Equal("\"v1\"", first.ETag);
        Assert.False(first.MainNotModified);

        var second = Fetcher(sp, _source.Url(), first.ETag);
        var doc = await second.GetAsync(_source.Url(), null, default);
        Assert.True(doc.NotModified);
        Assert.True(second.MainNotModified);
        Assert.Equal("", await ReadAsync(doc));

        var requests = _source.Requests.ToArray();
        Assert.Equal([null, "\"v1\""], requests.Select(r => r.IfNoneMatch));
        Assert.All(requests, r => Assert.Equal("Quell", r.UserAgent));
    }

    [Fact]
    public async Task Other_documents_of_the_feed_are_not_asked_conditionally_and_resolve_against_the_feed_url()
    {
        using var sp = Services();
        _source.Body = "x";
        _source.ETag = "\"v1\"";
        var fetcher = Fetcher(sp, _source.Url("/misp/manifest.json"), "\"v1\"");
        Assert.Equal(new Uri(_source.BaseAddress, "/misp/5f1c.json"), fetcher.Resolve("5f1c.json"));
        Assert.Equal("x", await ReadAsync(await fetcher.GetAsync("5f1c.json", null, default)));
        Assert.Equal(("/misp/5f1c.json", (string?)null), _source.Requests.Select(r => (r.Path, r.IfNoneMatch)).Single());
        Assert.Throws<FeedFormatException>(() => fetcher.Resolve("file:///etc/passwd"));
    }

    [Fact]
    public async Task A_server_error_is_retried_then_reported_with_its_status()
    {
        using var sp = Services();
        _source.FailWith = 500;
        var e = await Assert.ThrowsAsync<FeedFormatException>(() => Fetcher(sp, _source.Url()).GetAsync(_source.Url(), null, default));
        Assert.Contains("HTTP 500", e.Message);
        Assert.Equal(3, _source.Requests.Count);
    }

    [Fact]
    public async Task A_not_found_is_reported_at_once()
    {
        using var sp = Services();
        _source.FailWith = 404;
        var e = await Assert.ThrowsAsync<FeedFormatException>(() => Fetcher(sp, _source.Url()).GetAsync(_source.Url(), null, default));
        Assert.Contains("HTTP 404", e.Message);
        Assert.Single(_source.Requests);
    }

    [Fact]
    public async Task A_body_cut_off_mid_transfer_fails_the_read_with_the_url()
    {
        using var sp = Services();
        _source.Body = string.Join('\n', Enumerable.Range(0, 5000).Select(i => $"host{i}.example"));
        _source.Truncate = true;
        var doc = await Fetcher(sp, _source.Url()).GetAsync(_source.Url(), null, default);
        var e = await Assert.ThrowsAsync<FeedFormatException>(() => ReadAsync(doc));
        Assert.Contains("broke off", e.Message);
        Assert.Contains(_source.Url(), e.Message);
    }

    [Fact]
    public async Task A_body_over_the_cap_fails()
    {
        using var sp = Services(maxBody: 100);
        _source.Body = new string('a', 1000);
        var e = await Assert.ThrowsAsync<FeedFormatException>(() => Fetcher(sp, _source.Url()).GetAsync(_source.Url(), null, default));
        Assert.Contains("100 bytes", e.Message);
    }

    [Fact]
    public async Task Loopback_is_refused_without_the_option_and_nothing_is_sent()
    {
        using var sp = Services(allowPrivate: false);
        _source.Body = "x";
        var e = await Assert.ThrowsAsync<FeedFormatException>(() => Fetcher(sp, _source.Url()).GetAsync(_source.Url(), null, default));
        Assert.Contains("private or loopback", e.Message);
        Assert.Empty(_source.Requests);
    }

    [Fact]
    public async Task The_metadata_address_is_refused_even_with_private_networks_allowed()
    {
        using var sp = Services(allowPrivate: true);
        const string metadata = "http://169.254.169.254/latest/meta-data/";
        var e = await Assert.ThrowsAsync<FeedFormatException>(() => Fetcher(sp, metadata).GetAsync(metadata, null, default));
        Assert.Contains("169.254.169.254", e.Message);
        Assert.Contains("link-local", e.Message);
    }

    [Fact]
    public async Task A_redirect_to_the_metadata_address_is_refused()
    {
        using var sp = Services(allowPrivate: true);
        _source.RedirectTo = "http://169.254.169.254/latest/meta-data/iam/";
        var e = await Assert.ThrowsAsync<FeedFormatException>(() => Fetcher(sp, _source.Url()).GetAsync(_source.Url(), null, default));
        Assert.Contains("link-local", e.Message);
        Assert.Single(_source.Requests);
    }
}
