using System.Net.Http.Headers;
using System.Text;
using Quell.Intel.Feeds;

namespace Quell.Tests.Support;

/// <summary>
/// A minimal <see cref="IFeedFetcher"/> over HttpClient for reader tests against <see cref="ReplayServer"/>: absolute
/// or feed-relative URLs, headers as given, non-2xx answers as <see cref="FeedFormatException"/> naming the status
/// (the contract the production fetcher keeps). No conditional requests, retries or SSRF guard: those are the
/// production fetcher's.
/// </summary>
public sealed class TestHttpFeedFetcher(string baseUrl) : IFeedFetcher, IDisposable
{
    readonly HttpClient client = new();

    public async Task<FeedDocument> GetAsync(string url, IReadOnlyDictionary<string, string>? headers, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Resolve(url));
        return await SendAsync(request, headers, ct);
    }

    public async Task<FeedDocument> PostJsonAsync(string url, string json, IReadOnlyDictionary<string, string>? headers, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Resolve(url)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        return await SendAsync(request, headers, ct);
    }

    async Task<FeedDocument> SendAsync(HttpRequestMessage request, IReadOnlyDictionary<string, string>? headers, CancellationToken ct)
    {
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            request.Headers.TryAddWithoutValidation(name, value);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new FeedFormatException($"{request.RequestUri} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        return new FeedDocument(await response.Content.ReadAsStreamAsync(ct), mediaType: response.Content.Headers.ContentType?.MediaType);
    }

    Uri Resolve(string url) => new(new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/"), url);

    public void Dispose() => client.Dispose();
}
