namespace Quell.Jobs;

/// <summary>The loop of a periodic background service (checks, sweeps).</summary>
public static class Periodic
{
    /// <summary>
    /// Runs <paramref name="work"/> every <paramref name="interval"/> of <paramref name="time"/> until
    /// <paramref name="stoppingToken"/> is cancelled; a run that throws is reported to <paramref name="failed"/> and the
    /// next one runs on time, so one bad pass never stops the service.
    /// </summary>
    public static async Task RunAsync(TimeSpan interval, TimeProvider time, Func<CancellationToken, Task> work, Action<Exception> failed, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await work(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                failed(e);
            }
        }
    }
}
