using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Quell.Tests.Support;

/// <summary>
/// A local HTTP server on 127.0.0.1 that stands in for an outside API (ThreatFox, a MISP instance): every request is
/// recorded and answered by the test's handler, which replays the service's documented answers and errors.
/// </summary>
public sealed class ReplayServer : IAsyncDisposable
{
    readonly WebApplication app;

    /// <summary>A request as the server received it: <see cref="Bytes"/> exactly, <see cref="Body"/> read as UTF-8.</summary>
    public sealed record Request(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body, byte[] Bytes);

    public ConcurrentQueue<Request> Requests { get; } = new();
    public string BaseUrl { get; }

    ReplayServer(WebApplication app, string baseUrl)
    {
        this.app = app;
        BaseUrl = baseUrl;
    }

    /// <param name="answer">Writes the answer to a request (status, content type, body).</param>
    public static async Task<ReplayServer> StartAsync(Func<Request, HttpResponse, Task> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        ReplayServer? server = null;
        app.Run(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var bytes = buffer.ToArray();
            var request = new Request(context.Request.Method, context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), System.Text.Encoding.UTF8.GetString(bytes), bytes);
            server!.Requests.Enqueue(request);
            await answer(request, context.Response);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new ReplayServer(app, address.TrimEnd('/'));
        return server;
    }

    /// <summary>Writes a JSON answer (of <paramref name="contentType"/>, e.g. application/rdap+json) with a status.</summary>
    public static Task Reply(HttpResponse response, string body, int status = 200, string contentType = "application/json")
    {
        response.StatusCode = status;
        response.ContentType = contentType;
        return response.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
