using System.Net;
using System.Text;
using Quell.Intel.Feeds;

namespace Quell.Tests.Support;

/// <summary>
/// A plain HttpClient <see cref="IFeedFetcher"/> for reader tests against local servers (the production fetcher,
/// with SSRF guard and resilience, is the feed puller's). Non-2xx answers throw <see cref="FeedFormatException"/>
/// naming the status, as the contract says.
/// </summary>
public sealed class HttpFeedFetcher(HttpClient client, string baseUrl) : IFeedFetcher
{
    public async Task<FeedDocument> GetAsync(string url, IReadOnlyDictionary<string, string>? headers, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(baseUrl), url));
        return await SendAsync(request, headers, ct);
    }

    public async Task<FeedDocument> PostJsonAsync(string url, string json, IReadOnlyDictionary<string, string>? headers, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(baseUrl), url)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        return await SendAsync(request, headers, ct);
    }

    async Task<FeedDocument> SendAsync(HttpRequestMessage request, IReadOnlyDictionary<string, string>? headers, CancellationToken ct)
    {
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            request.Headers.TryAddWithoutValidation(name, value);
        using var response = await client.SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.NotModified)
            return new FeedDocument(Stream.Null, notModified: true);
        if (!response.IsSuccessStatusCode)
            throw new FeedFormatException($"{request.RequestUri} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        var body = new MemoryStream(await response.Content.ReadAsByteArrayAsync(ct));
        return new FeedDocument(body, mediaType: response.Content.Headers.ContentType?.ToString());
    }
}
