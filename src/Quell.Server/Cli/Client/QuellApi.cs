using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace Quell.Server.Cli.Client;

/// <summary>
/// The client verbs' HTTP access to a Quell server. Every failure becomes a <see cref="CliFailure"/> with the exit code
/// for its cause: a problem+json answer keeps the server's own detail and field errors, so the user reads what the
/// server decided, not a status code.
/// </summary>
public sealed class QuellApi : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    readonly HttpClient _http;

    public QuellApi(ClientSettings settings, HttpMessageHandler? handler = null)
    {
        if (!Uri.TryCreate(settings.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new CliFailure(ExitCodes.Usage, $"--url '{settings.Url}' is not an http:// or https:// address");
        if (settings.ApiKey is null)
            throw new CliFailure(ExitCodes.Usage, "no API key: pass --api-key or set QUELL_API_KEY (an administrator creates one with `quell apikey create USERNAME`)");
        BaseAddress = new Uri(url.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = BaseAddress;
        _http.Timeout = Timeout;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("quell-cli", typeof(QuellApi).Assembly.GetName().Version?.ToString(3) ?? "0"));
    }

    public Uri BaseAddress { get; }

    /// <summary>GETs a JSON document; <paramref name="relativePath"/> has no leading slash and its values are already escaped.</summary>
    public Task<ApiAnswer> GetAsync(string relativePath, CancellationToken ct) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, relativePath), ct);

    /// <summary>POSTs JSON bytes exactly as given.</summary>
    public Task<ApiAnswer> PostJsonAsync(string relativePath, ReadOnlyMemory<byte> json, CancellationToken ct)
    {
        var content = new ReadOnlyMemoryContent(json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return SendAsync(new HttpRequestMessage(HttpMethod.Post, relativePath) { Content = content }, ct);
    }

    async Task<ApiAnswer> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var _ = request;
        HttpResponseMessage response;
        string body;
        try
        {
            response = await _http.SendAsync(request, ct);
            body = await response.Content.ReadAsStringAsync(ct);
        }
        catch (HttpRequestException e) when (e.StatusCode is null)
        {
            throw Unreachable(Reason(e));
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw Unreachable($"no answer within {Timeout.TotalSeconds:0} seconds");
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            var json = TryParse(body);
            if (response.IsSuccessStatusCode)
            {
                return json is { } ok
                    ? new ApiAnswer(status, ok)
                    : throw new CliFailure(ExitCodes.Failed, $"{BaseAddress} answered {status} with something that is not JSON; is --url the address of a Quell server?");
            }
            throw Problem(status, response.ReasonPhrase, json);
        }
    }

    CliFailure Unreachable(string reason) =>
        new(ExitCodes.Unreachable, $"cannot reach the Quell server at {BaseAddress}: {reason}",
            ["is `quell serve` running there? Set the address with --url or QUELL_URL."]);

    static string Reason(HttpRequestException e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is SocketException s)
                return s.Message;
        return e.Message;
    }

    static CliFailure Problem(int status, string? reason, JsonElement? json)
    {
        string? detail = null, title = null;
        var details = new List<string>();
        if (json is { ValueKind: JsonValueKind.Object } p)
        {
            detail = Json.Str(p, "detail");
            title = Json.Str(p, "title");
            if (p.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
                foreach (var field in errors.EnumerateObject())
                {
                    if (field.Value.ValueKind != JsonValueKind.Array)
                        continue;
                    foreach (var message in field.Value.EnumerateArray())
                        details.Add($"{field.Name}: {Json.Str(message)}");
                }
        }
        var what = detail ?? title ?? $"the server answered {status} {reason}";
        switch (status)
        {
            case 401:
                details.Add("the API key is unknown, revoked, or its user is disabled; check --api-key or QUELL_API_KEY");
                break;
            case 403:
                details.Add("this API key's role may not do this; ask an administrator for a key with the needed role");
                break;
        }
        return new CliFailure(ExitCodes.FromHttpStatus(status), what, details);
    }

    static JsonElement? TryParse(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
            return null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A successful answer: its status (200 or 201 tell updated from created) and its JSON body.</summary>
public sealed record ApiAnswer(int Status, JsonElement Body);
