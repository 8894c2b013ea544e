using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Quell.Enrichment;

/// <summary>A service's answer: its status and its body as JSON; for an accepted redirect, no body and its <see cref="Location"/>.</summary>
public sealed record ServiceAnswer(HttpStatusCode Status, JsonElement Json, Uri? Location = null);

/// <summary>
/// Calls a service for an analyzer and turns what can go wrong into the two failures the job understands: 429 and
/// 5xx (with Retry-After), network errors and timeouts are transient; 401/403, other unexpected statuses, HTML error
/// pages, non-JSON answers and bodies over the size limit are final, with a reason a person can act on. Reasons never
/// carry the secrets given in <paramref name="secrets"/> (a key echoed in an error page, or sent in a query string).
/// </summary>
public sealed class AnalyzerHttp(HttpClient client, long maxBodyBytes, IReadOnlyCollection<string> secrets, TimeProvider time)
{
    /// <summary>Sends the request; statuses in <paramref name="accept"/> besides 2xx are answers the analyzer reads (e.g. 404 "not found").</summary>
    public async Task<ServiceAnswer> SendAsync(HttpRequestMessage request, CancellationToken ct, params HttpStatusCode[] accept)
    {
        var where = $"{request.Method} {request.RequestUri?.GetLeftPart(UriPartial.Path)}";
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(where, e);
        }
        using (response)
        {
            var status = response.StatusCode;
            var (body, tooLarge) = await ReadBoundedAsync(response, ct);
            if (tooLarge)
                throw new AnalyzerFailedException($"{where} answered {(int)status} with a body larger than {maxBodyBytes} bytes, the most an analyzer reads");
            var code = (int)status;
            if (status == HttpStatusCode.TooManyRequests || code >= 500)
                throw new AnalyzerTransientException(Scrub($"{where} answered {code} {response.ReasonPhrase}{Excerpt(response, body)}"), RetryAfter(response));
            if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                throw new AnalyzerFailedException(Scrub($"{where} refused the credentials ({code}{Excerpt(response, body)}); check the analyzer's API key"));
            if (code is < 200 or >= 300 && !accept.Contains(status))
                throw new AnalyzerFailedException(Scrub($"{where} answered {code} {response.ReasonPhrase}{Excerpt(response, body)}"));
            if (code is >= 300 and < 400)
                return new ServiceAnswer(status, default, response.Headers.Location ?? throw new AnalyzerFailedException($"{where} answered {code} without a Location"));
            try
            {
                using var doc = JsonDocument.Parse(body);
                return new ServiceAnswer(status, doc.RootElement.Clone());
            }
            catch (JsonException)
            {
                throw new AnalyzerFailedException(Scrub($"{where} answered {code} with something that is not JSON{Excerpt(response, body)}"));
            }
        }
    }

    /// <summary>
    /// Sends the request and reads only the status and headers (the body is never read): for following redirects by
    /// hand. 429 and 5xx are transient as in <see cref="SendAsync"/>; every other status is the caller's to read.
    /// </summary>
    public async Task<(HttpStatusCode Status, Uri? Location, string? ContentType)> PeekAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var where = $"{request.Method} {request.RequestUri?.GetLeftPart(UriPartial.Path)}";
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var code = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.TooManyRequests || code >= 500)
                throw new AnalyzerTransientException(Scrub($"{where} answered {code} {response.ReasonPhrase}"), RetryAfter(response));
            return (response.StatusCode, response.Headers.Location, response.Content.Headers.ContentType?.MediaType);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(where, e);
        }
    }

    /// <summary>A connection the SSRF guard refused is final (asking again reaches the same address); others are transient.</summary>
    Exception Unreachable(string where, HttpRequestException e) =>
        e.InnerException is SsrfRefusedException refused
            ? new AnalyzerFailedException(Scrub($"{where} was not fetched: {refused.Message}"), e)
            : new AnalyzerTransientException(Scrub($"{where} could not be reached: {e.Message}"), null, e);

    async Task<(byte[] Body, bool TooLarge)> ReadBoundedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.Content.Headers.ContentLength > maxBodyBytes)
            return ([], true);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        try
        {
            while ((n = await stream.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + n > maxBodyBytes)
                    return ([], true);
                buffer.Write(chunk, 0, n);
            }
        }
        catch (IOException e)
        {
            throw new AnalyzerTransientException($"the answer broke off after {buffer.Length} bytes: {e.Message}", null, e);
        }
        return (buffer.ToArray(), false);
    }

    /// <summary>The longest Retry-After obeyed: a service asking for more is asked again after a day.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromDays(1);

    /// <summary>Retry-After as seconds or as an HTTP date; null when absent.</summary>
    TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var h = response.Headers.RetryAfter;
        var wait = h?.Delta ?? (h?.Date is { } date ? date - (response.Headers.Date ?? time.GetUtcNow()) : null);
        return wait is { } w ? TimeSpan.FromTicks(Math.Clamp(w.Ticks, 0, MaxRetryAfter.Ticks)) : null;
    }

    /// <summary>The start of the body as printable text, so a reason shows the service's own words ("Quota exceeded", an HTML title).</summary>
    static string Excerpt(HttpResponseMessage response, byte[] body)
    {
        if (body.Length == 0)
            return "";
        var type = response.Content.Headers.ContentType?.MediaType ?? "no content type";
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200));
        var printable = new string(text.Select(ch => char.IsControl(ch) ? ' ' : ch).ToArray()).Trim();
        return $": {type} '{printable}{(body.Length > 200 ? "…" : "")}'";
    }

    string Scrub(string text)
    {
        foreach (var s in secrets)
            if (s.Length >= 4)
                text = text.Replace(s, "********", StringComparison.Ordinal);
        return text;
    }

    public static MediaTypeWithQualityHeaderValue AcceptJson { get; } = new("application/json");
}
