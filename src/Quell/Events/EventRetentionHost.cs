using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Quell.Events;

/// <summary>
/// Drops expired day partitions whole, and merges the pending related values of days that have ended (SQLite), at
/// start and then every <see cref="EventOptions.RetentionInterval"/>. Several
/// nodes may run it against one PostgreSQL: dropping is idempotent (DROP TABLE IF EXISTS).
/// </summary>
public sealed partial class EventRetentionHost(EventStore store, TimeProvider time, IOptions<EventOptions> options, ILogger<EventRetentionHost> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var name in await store.DropExpiredAsync(stoppingToken))
                    LogDropped(logger, name);
                foreach (var name in await store.SettlePendingAsync(stoppingToken))
                    LogSettled(logger, name);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
            try
            {
                await Task.Delay(options.Value.RetentionInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 5501, Level = LogLevel.Information, Message = "Event retention dropped partition {Partition}")]
    static partial void LogDropped(ILogger logger, string partition);

    [LoggerMessage(EventId = 5503, Level = LogLevel.Information, Message = "Event retention merged the pending related values of partition {Partition}, whose day has ended")]
    static partial void LogSettled(ILogger logger, string partition);

    [LoggerMessage(EventId = 5502, Level = LogLevel.Warning, Message = "Event retention failed; it runs again at the next interval")]
    static partial void LogFailed(ILogger logger, Exception e);
}
