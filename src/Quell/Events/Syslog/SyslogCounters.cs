using System.Diagnostics.Metrics;

namespace Quell.Events.Syslog;

/// <summary>
/// What the syslog receivers have seen since start. Published as .NET metrics (meter <c>Quell.Syslog</c>: dotnet-counters,
/// OpenTelemetry) and logged once a minute when they changed; Quell has no metrics endpoint of its own yet.
/// </summary>
public sealed class SyslogCounters
{
    public const string MeterName = "Quell.Syslog";

    long _received, _stored, _malformed, _truncated, _dropped, _storeFailures, _connections;

    public SyslogCounters(IMeterFactory? meters = null)
    {
        if (meters is null)
            return;
        var meter = meters.Create(MeterName);
        meter.CreateObservableCounter("quell.syslog.received", () => Received, "{message}", "Syslog messages received");
        meter.CreateObservableCounter("quell.syslog.stored", () => Stored, "{message}", "Syslog messages handed to the event store and stored");
        meter.CreateObservableCounter("quell.syslog.malformed", () => Malformed, "{message}", "Messages stored with a parse error");
        meter.CreateObservableCounter("quell.syslog.truncated", () => Truncated, "{message}", "Messages cut to the maximum message size");
        meter.CreateObservableCounter("quell.syslog.dropped", () => Dropped, "{message}", "UDP messages dropped because the store did not keep up");
        meter.CreateObservableCounter("quell.syslog.store_failures", () => StoreFailures, "{batch}", "Batches the event store refused (retried)");
        meter.CreateObservableCounter("quell.syslog.connections", () => Connections, "{connection}", "TCP connections accepted");
    }

    public long Received => Interlocked.Read(ref _received);
    public long Stored => Interlocked.Read(ref _stored);
    public long Malformed => Interlocked.Read(ref _malformed);
    public long Truncated => Interlocked.Read(ref _truncated);
    public long Dropped => Interlocked.Read(ref _dropped);
    public long StoreFailures => Interlocked.Read(ref _storeFailures);
    public long Connections => Interlocked.Read(ref _connections);

    internal void AddReceived(long n, long malformed, long truncated)
    {
        Interlocked.Add(ref _received, n);
        if (malformed > 0)
            Interlocked.Add(ref _malformed, malformed);
        if (truncated > 0)
            Interlocked.Add(ref _truncated, truncated);
    }

    internal void AddStored(long n) => Interlocked.Add(ref _stored, n);
    internal void AddDropped(long n) => Interlocked.Add(ref _dropped, n);
    internal void AddStoreFailure() => Interlocked.Increment(ref _storeFailures);
    internal void AddConnection() => Interlocked.Increment(ref _connections);

    internal (long Received, long Stored, long Malformed, long Truncated, long Dropped, long StoreFailures) Snapshot() =>
        (Received, Stored, Malformed, Truncated, Dropped, StoreFailures);
}
