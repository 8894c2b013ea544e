using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Quell.Tests.Intel.Feeds;

/// <summary>
/// A feed publisher on 127.0.0.1 (Kestrel, random port) whose answers a test sets: the document and its ETag (answered
/// 304 to a matching If-None-Match), a status to fail with, a body cut off mid-transfer, a redirect.
/// </summary>
public sealed class FeedSource : IAsyncDisposable
{
    WebApplication _app = null!;

    public string Body { get; set; } = "";
    public string? ETag { get; set; }
    /// <summary>Answer this status (with an empty body) instead of the document.</summary>
    public int? FailWith { get; set; }
    /// <summary>Announce the whole body but close the connection after half of it.</summary>
    public bool Truncate { get; set; }
    public string? RedirectTo { get; set; }

    public ConcurrentQueue<(string Path, string? IfNoneMatch, string? UserAgent)> Requests { get; } = new();
    public Uri BaseAddress { get; private set; } = null!;

    public string Url(string path = "/feed.txt") => new Uri(BaseAddress, path).ToString();

    public static async Task<FeedSource> StartAsync()
    {
        var source = new FeedSource();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        source._app = builder.Build();
        source._app.Run(source.AnswerAsync);
        await source._app.StartAsync();
        source.BaseAddress = new Uri(source._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return source;
    }

    async Task AnswerAsync(HttpContext ctx)
    {
        var inm = ctx.Request.Headers.IfNoneMatch.ToString();
        Requests.Enqueue((ctx.Request.Path, inm.Length == 0 ? null : inm, ctx.Request.Headers.UserAgent.ToString()));
        if (RedirectTo is { } to)
        {
            ctx.Response.StatusCode = 302;
            ctx.Response.Headers.Location = to;
            return;
        }
        if (FailWith is { } status)
        {
            ctx.Response.StatusCode = status;
            return;
        }
        if (ETag is { } etag)
        {
            if (inm == etag)
            {
                ctx.Response.StatusCode = 304;
                return;
            }
            ctx.Response.Headers.ETag = etag;
        }
        var bytes = Encoding.UTF8.GetBytes(Body);
        ctx.Response.ContentType = "text/plain";
        ctx.Response.ContentLength = bytes.Length;
        if (Truncate)
        {
            await ctx.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await ctx.Response.Body.FlushAsync();
            // Let the headers and the first half arrive before the reset, or the reset may overtake them.
            await Task.Delay(300);
            ctx.Abort();
            return;
        }
        await ctx.Response.Body.WriteAsync(bytes);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
