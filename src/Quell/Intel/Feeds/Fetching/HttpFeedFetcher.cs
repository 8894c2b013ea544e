using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Quell.Intel.Feeds.Fetching;

/// <summary>
/// Fetches feed documents over HTTP(S) through the "quell-feeds" client (retries, timeouts, decompression and the
/// SSRF guard are configured on it: <see cref="FeedHttp"/>). The feed's own URL is its main document: it is asked
/// with the validators of the last successful pull (If-None-Match / If-Modified-Since) and a 304 answer becomes
/// <see cref="FeedDocument.NotModified"/>; the validators it answers with are kept for the next pull.
/// </summary>
public sealed class HttpFeedFetcher(HttpClient client, string feedUrl, string? etag, string? lastModified, long maxBodyBytes) : IFeedFetcher
{
    readonly Uri _feedUri = new(feedUrl, UriKind.Absolute);

    /// <summary>The main document answered 304 (nothing changed).</summary>
    public bool MainNotModified { get; private set; }

    /// <summary>Validators of the main document as answered in this pull (null when it sent none).</summary>
    public string? ETag { get; private set; }
    public string? LastModified { get; private set; }

    public Task<FeedDocument> GetAsync(string url, IReadOnlyDictionary<string, string>? headers, CancellationToken ct)
    {
        var uri = Resolve(url);
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        var main = uri == _feedUri;
        if (main && etag is not null)
            request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        if (main && lastModified is not null)
            request.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified);
        return SendAsync(request, headers, main, ct);
    }

    public Task<FeedDocument> PostJsonAsync(string url, string json, IReadOnlyDictionary<string, string>? headers, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Resolve(url)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        return SendAsync(request, headers, main: false, ct);
    }

    /// <summary>A relative URL (a MISP feed's event file, a TAXII page) resolves against the feed URL; only http(s) is fetched.</summary>
    public Uri Resolve(string url)
    {
        if (!Uri.TryCreate(_feedUri, url, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new FeedFormatException($"'{IndicatorNormalizer.Printable(url)}' is not an http(s) URL the feed {_feedUri} can fetch");
        return uri;
    }

    async Task<FeedDocument> SendAsync(HttpRequestMessage request, IReadOnlyDictionary<string, string>? headers, bool main, CancellationToken ct)
    {
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            request.Headers.TryAddWithoutValidation(name, value);
        var uri = request.RequestUri!;
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && Refused(e) is { } refused)
        {
            throw new FeedFormatException($"refused to fetch {uri}: {refused.Message}", e);
        }
        catch (HttpRequestException e)
        {
            throw new FeedFormatException($"cannot fetch {uri}: {e.Message}", e);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is TaskCanceledException or TimeoutException or Polly.Timeout.TimeoutRejectedException)
        {
            throw new FeedFormatException($"{uri} did not answer in time", e);
        }
        finally
        {
            request.Dispose();
        }

        try
        {
            if (main && response.StatusCode == HttpStatusCode.NotModified)
            {
                MainNotModified = true;
                response.Dispose();
                return new FeedDocument(Stream.Null, notModified: true);
            }
            if (!response.IsSuccessStatusCode)
                throw new FeedFormatException($"{uri} answered HTTP {(int)response.StatusCode} {IndicatorNormalizer.Printable(response.ReasonPhrase ?? "")}".TrimEnd());
            if (response.Content.Headers.ContentLength > maxBodyBytes)
                throw new FeedFormatException($"{uri} sends {response.Content.Headers.ContentLength} bytes, more than the {maxBodyBytes} bytes a feed document may have");
            if (main)
            {
                ETag = response.Headers.ETag?.ToString();
                LastModified = response.Content.Headers.LastModified?.ToString("R");
            }
            var body = await response.Content.ReadAsStreamAsync(ct);
            return new FeedDocument(new BoundedBodyStream(body, response, maxBodyBytes, uri), mediaType: MediaType(response.Content.Headers.ContentType));
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    static string? MediaType(MediaTypeHeaderValue? contentType) => contentType?.MediaType;

    static FeedAddressRefusedException? Refused(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is FeedAddressRefusedException r)
                return r;
        return null;
    }
}
