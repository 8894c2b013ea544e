using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quell.Enrichment.Analyzers;
using Quell.Enrichment.Cortex;
using Quell.Jobs;

namespace Quell.Enrichment;

/// <summary>Enrichment at run time: the analyzers, their HTTP client, secrets and the analyze job.</summary>
public static class EnrichmentServices
{
    public static IServiceCollection AddEnrichment(this IServiceCollection services)
    {
        services.AddOptions<EnrichmentOptions>().BindConfiguration("Enrichment")
            .Validate(o => o.ExpirySweepInterval >= TimeSpan.FromSeconds(1), "Enrichment:ExpirySweepInterval must be at least one second (e.g. 00:05:00)")
            .Validate(o => o.ExpirySweepBatch is >= 1 and <= 100_000, "Enrichment:ExpirySweepBatch must be between 1 and 100000")
            .ValidateOnStart();
        // Retries are the job's (durable, honouring Retry-After), so the client has no resilience handler; the run's
        // timeout is the analyzer's. Redirects are not followed: an analyzer talks to the one service it was set up for.
        services.AddHttpClient(AnalyzeJob.HttpClientName, c =>
            {
                c.DefaultRequestHeaders.UserAgent.ParseAdd("Quell");
                c.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = System.Net.DecompressionMethods.All,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });
        // The guarded client connects through the SSRF guard and never through a proxy (which would connect for it).
        services.AddSingleton<SsrfGuard>();
        services.AddHttpClient(AnalyzeJob.GuardedClientName, c =>
            {
                c.DefaultRequestHeaders.UserAgent.ParseAdd("Quell");
                c.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                ConnectCallback = sp.GetRequiredService<SsrfGuard>().ConnectAsync,
                AutomaticDecompression = System.Net.DecompressionMethods.All,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });
        services.AddSingleton<AnalyzerSecrets>();
        services.AddAnalyzer<IntelAnalyzer>();
        services.AddAnalyzer<VirusTotalAnalyzer>();
        services.AddAnalyzer<UrlhausAnalyzer>();
        services.AddAnalyzer<AbuseIpDbAnalyzer>();
        services.AddAnalyzer<PhishTankAnalyzer>();
        services.AddAnalyzer<DnsAnalyzer>();
        services.AddAnalyzer<RdapAnalyzer>();
        services.AddAnalyzer<MispAnalyzer>();
        services.AddAnalyzer<GeoIpAnalyzer>();
        services.AddAnalyzer<UnshortenAnalyzer>();
        services.AddAnalyzer<UrlscanAnalyzer>();
        services.AddAnalyzer<VmrayAnalyzer>();
        services.AddAnalyzer<CapeAnalyzer>();
        services.AddSingleton<EnrichmentQueue>();
        services.AddSingleton<AutoEnrichment>();
        services.AddSingleton<ArtifactObservables>();
        services.AddSingleton<ExpirySweep>();
        services.AddHostedService(sp => sp.GetRequiredService<ExpirySweep>());
        services.AddOptions<CortexOptions>().BindConfiguration("Enrichment:Cortex");
        services.AddSingleton<CortexCatalogue>();
        services.AddSingleton(sp => new AnalyzerCatalogue(sp.GetServices<IAnalyzer>().Concat(sp.GetRequiredService<CortexCatalogue>().Analyzers)));
        services.AddSingleton<AnalyzeJob>();
        services.AddSingleton<ResponderOperations>();
        services.AddSingleton<IJobHandler, ResponderJob>();
        services.AddSingleton<IJobHandler>(sp => sp.GetRequiredService<AnalyzeJob>());
        return services;
    }

    public static IServiceCollection AddAnalyzer<T>(this IServiceCollection services) where T : class, IAnalyzer =>
        services.AddSingleton<IAnalyzer, T>();
}
