using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;

namespace Quell.Http;

/// <summary>
/// Adds <c>Server-Timing: app;dur=N</c> (milliseconds, W3C Server Timing) to every response: the time from the request
/// entering the pipeline to its headers being sent, which includes authentication, the store and serialising the body
/// (a JSON body is buffered and flushed at the end). For a web UI page (static SSR) the response starts only once the
/// whole component tree has rendered, as the framework awaits every component that does not opt in to streaming
/// rendering, so it covers the page's queries and rendering too (a <c>[StreamRendering]</c> page would report the
/// time to its first flush). Browsers show it in their network panel; the latency benchmarks (bench/queue-latency.sh,
/// bench/ui.sh) read it to separate server time from client and network time.
/// </summary>
public static class ServerTiming
{
    public const string Header = "Server-Timing";

    public static IApplicationBuilder UseServerTiming(this IApplicationBuilder app) =>
        app.Use((ctx, next) =>
        {
            var start = Stopwatch.GetTimestamp();
            ctx.Response.OnStarting(() =>
            {
                var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                ctx.Response.Headers[Header] = "app;dur=" + ms.ToString("0.00", CultureInfo.InvariantCulture);
                return Task.CompletedTask;
            });
            return next(ctx);
        });
}
