using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Quell.Intel.Warninglists;

/// <summary>
/// Registers the warninglists in force as singletons: the <see cref="WarninglistSet"/> other parts check values with
/// (ingestion, lookups) and the load report the listing endpoint shows. Without a report, only the sanity checks apply.
/// </summary>
public static partial class WarninglistServices
{
    public static IServiceCollection AddWarninglists(this IServiceCollection services, WarninglistLoadReport? report = null)
    {
        services.TryAddSingleton(report ?? WarninglistLoadReport.SanityOnly);
        services.TryAddSingleton(sp => sp.GetRequiredService<WarninglistLoadReport>().Set);
        // The indicator store flags (or, per feed, drops) values on a list at ingestion.
        services.TryAddSingleton<Indicators.IWarninglistLookup>(sp => sp.GetRequiredService<WarninglistSet>());
        services.AddHostedService<SummaryAtStart>();
        return services;
    }

    /// <summary>Logs what was loaded when the server starts, so an operator sees a skipped list without asking the API.</summary>
    sealed partial class SummaryAtStart(WarninglistLoadReport report, ILogger<WarninglistSet> log) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var loaded = report.Loaded.ToList();
            if (report.Directory is null)
                NoDirectory(log, report.Set.Lists.Count);
            else
                Loaded(log, loaded.Count, loaded.Sum(l => (long)l.Matcher.Count), report.Skipped.Count, report.Directory);
            foreach (var problem in report.Skipped)
                Skipped(log, problem.Path, problem.Reason);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(EventId = 4101, Level = LogLevel.Information,
            Message = "Warninglists: {Lists} lists loaded ({Entries} entries), {Skipped} skipped, from {Directory}; built-in sanity checks on")]
        static partial void Loaded(ILogger logger, int lists, long entries, int skipped, string directory);

        [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Warninglist {Path} skipped: {Reason}")]
        static partial void Skipped(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = 4103, Level = LogLevel.Information,
            Message = "Warninglists: no directory given (--warninglists / QUELL_WARNINGLISTS); only the {Checks} built-in sanity checks apply")]
        static partial void NoDirectory(ILogger logger, int checks);
    }
}
