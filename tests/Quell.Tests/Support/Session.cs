using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Quell.Tests.Support;

/// <summary>A browser-like client: signs in with a password, keeps the cookies and the CSRF token login returned.</summary>
public sealed class Session : IDisposable
{
    public const string CsrfHeader = "X-CSRF-TOKEN";

    readonly HttpClientHandler _handler;

    Session(Uri baseAddress)
    {
        _handler = new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true, AllowAutoRedirect = false };
        Client = new HttpClient(_handler) { BaseAddress = baseAddress };
    }

    public HttpClient Client { get; }
    public string? CsrfToken { get; private set; }
    public CookieContainer Cookies => _handler.CookieContainer;

    /// <summary>The raw Cookie header this client sends, to replay it from elsewhere.</summary>
    public string CookieHeader => Cookies.GetCookieHeader(Client.BaseAddress!);

    public static Session Anonymous(TestServer server) => new(server.BaseAddress);

    /// <summary>Signs in and asserts 200.</summary>
    public static async Task<Session> LoginAsync(TestServer server, string username, string password, string? organisation = null)
    {
        var s = new Session(server.BaseAddress);
        var response = await s.PostLoginAsync(username, password, organisation);
        var body = await response.ExpectAsync(HttpStatusCode.OK);
        s.CsrfToken = body.GetProperty("csrfToken").GetString();
        return s;
    }

    public Task<HttpResponseMessage> PostLoginAsync(string username, string password, string? organisation = null) =>
        Client.PostAsJsonAsync("/api/v1/login", organisation is null ? new { username, password } : (object)new { username, password, organisation });

    /// <summary>A state-changing request with or without the CSRF header.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, bool withCsrf = true, string? organisation = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        if (withCsrf && CsrfToken is not null)
            request.Headers.Add(CsrfHeader, CsrfToken);
        if (organisation is not null)
            request.Headers.Add("X-Organisation", organisation);
        return Client.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? organisation = null) => SendAsync(HttpMethod.Get, path, null, withCsrf: false, organisation);

    public async Task<JsonElement> MeAsync() => await GetAsync("/api/v1/me").ExpectAsync(HttpStatusCode.OK);

    public void Dispose()
    {
        Client.Dispose();
        _handler.Dispose();
    }
}
