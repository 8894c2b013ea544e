using Quell.Events;

namespace Quell.Tests.Support;

/// <summary>
/// An <see cref="IEventSink"/> that records the batches it stored. It can hold batches at a gate (a slow store) and
/// refuse the next calls (a failing store): a batch counts as stored only when its call returned normally.
/// </summary>
public sealed class RecordingEventSink : IEventSink
{
    readonly Lock _lock = new();
    readonly List<(EventOrigin Origin, IReadOnlyList<IncomingEvent> Events)> _batches = [];
    int _calls;
    int _failNext;
    TaskCompletionSource? _gate;

    /// <summary>Calls made, stored or not.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>The next <paramref name="count"/> calls throw, as a store that is down.</summary>
    public void FailNext(int count) => Volatile.Write(ref _failNext, count);

    /// <summary>Calls wait until <see cref="Open"/>; until then nothing is stored.</summary>
    public void Close()
    {
        lock (_lock)
            _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void Open()
    {
        TaskCompletionSource? gate;
        lock (_lock)
        {
            gate = _gate;
            _gate = null;
        }
        gate?.TrySetResult();
    }

    public IReadOnlyList<(EventOrigin Origin, IReadOnlyList<IncomingEvent> Events)> Batches
    {
        get
        {
            lock (_lock)
                return [.. _batches];
        }
    }

    public IReadOnlyList<IncomingEvent> Events => [.. Batches.SelectMany(b => b.Events)];

    public async ValueTask AppendAsync(EventOrigin origin, IReadOnlyList<IncomingEvent> events, CancellationToken ct)
    {
        Interlocked.Increment(ref _calls);
        Task? gate;
        lock (_lock)
            gate = _gate?.Task;
        if (gate is not null)
            await gate.WaitAsync(ct);
        for (var n = Volatile.Read(ref _failNext); n > 0; n = Volatile.Read(ref _failNext))
        {
            if (Interlocked.CompareExchange(ref _failNext, n - 1, n) == n)
                throw new InvalidOperationException("test store refuses the batch");
        }
        lock (_lock)
            _batches.Add((origin, [.. events]));
    }

    /// <summary>The stored events whose raw text contains <paramref name="marker"/>, once there are at least <paramref name="count"/>.</summary>
    public async Task<IReadOnlyList<IncomingEvent>> WaitForAsync(string marker, int count)
    {
        var deadline = TimeProvider.System.GetUtcNow() + Eventually.Patience;
        while (true)
        {
            var found = Events.Where(e => e.Raw.Contains(marker, StringComparison.Ordinal)).ToList();
            if (found.Count >= count)
                return found;
            Assert.True(TimeProvider.System.GetUtcNow() < deadline,
                $"gave up after {Eventually.Patience.TotalSeconds:0} s waiting for {count} events with '{marker}'; stored {found.Count}");
            await Task.Delay(50);
        }
    }
}
