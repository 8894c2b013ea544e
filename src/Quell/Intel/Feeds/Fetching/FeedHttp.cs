using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Quell.Intel.Feeds.Fetching;

/// <summary>
/// The "quell-feeds" HTTP client: User-Agent Quell, gzip/deflate/brotli, at most 5 redirects (never https → http),
/// no proxy (the guard must see the address really connected to), every connection checked by
/// <see cref="FeedAddressGuard"/>, and the standard resilience handler (retries on 5xx/408/429 honouring Retry-After,
/// per-attempt and total timeouts, circuit breaker).
/// </summary>
public static class FeedHttp
{
    public const string ClientName = "quell-feeds";

    public static IServiceCollection AddFeedHttp(this IServiceCollection services)
    {
        services.AddOptions<FeedFetchOptions>().BindConfiguration("Feeds");
        services.AddHttpClient(ClientName, c =>
            {
                c.DefaultRequestHeaders.UserAgent.ParseAdd("Quell");
                c.Timeout = Timeout.InfiniteTimeSpan; // the resilience handler's timeouts govern
            })
            .ConfigurePrimaryHttpMessageHandler(sp => Handler(sp.GetRequiredService<IOptions<FeedFetchOptions>>().Value))
            .AddStandardResilienceHandler()
            .Configure((o, sp) =>
            {
                var f = sp.GetRequiredService<IOptions<FeedFetchOptions>>().Value;
                o.AttemptTimeout.Timeout = f.AttemptTimeout;
                o.TotalRequestTimeout.Timeout = f.AttemptTimeout * (f.Retries + 1) + TimeSpan.FromMinutes(2);
                o.CircuitBreaker.SamplingDuration = f.AttemptTimeout * 2;
                o.Retry.MaxRetryAttempts = Math.Max(1, f.Retries);
                o.Retry.Delay = f.RetryDelay;
                var transient = o.Retry.ShouldHandle;
                // A refusal by the address guard is a decision, not a transient failure: do not ask again.
                o.Retry.ShouldHandle = args => args.Outcome.Exception is { } e && IsRefusal(e) ? ValueTask.FromResult(false) : transient(args);
            });
        services.AddSingleton<FeedFetchers>();
        return services;
    }

    static SocketsHttpHandler Handler(FeedFetchOptions options) => new()
    {
        AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate | DecompressionMethods.Brotli,
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 5,
        UseProxy = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectCallback = (context, ct) => ConnectAsync(context.DnsEndPoint, options.AllowPrivateNetworks, ct),
    };

    /// <summary>Resolves the host and connects only to addresses the guard allows (checked after DNS, on every hop).</summary>
    internal static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowPrivate, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
        var allowed = new List<IPAddress>();
        string? refusal = null;
        foreach (var a in addresses)
        {
            if (FeedAddressGuard.Refusal(a, allowPrivate) is { } why)
                refusal ??= why;
            else
                allowed.Add(a);
        }
        // A name that resolves to both a public and a refused address is refused: which one a connection picks is not ours to choose.
        if (refusal is not null)
            throw new FeedAddressRefusedException(literal is null ? $"{endpoint.Host} resolves to {refusal}" : refusal);
        if (allowed.Count == 0)
            throw new FeedAddressRefusedException($"{endpoint.Host} has no address");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync([.. allowed], endpoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    static bool IsRefusal(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is FeedAddressRefusedException)
                return true;
        return false;
    }
}

/// <summary>Chooses how a feed's documents are fetched: local files, or HTTP through the guarded client.</summary>
public sealed class FeedFetchers(IHttpClientFactory factory, IOptions<FeedFetchOptions> options)
{
    public IFeedFetcher Create(FeedRow feed) =>
        FileFetcher.Handles(feed.Url)
            ? new FileFetcher(feed.Url, options.Value)
            : new HttpFeedFetcher(factory.CreateClient(FeedHttp.ClientName), feed.Url, feed.ETag, feed.LastModified, options.Value.MaxBodyBytes);
}
