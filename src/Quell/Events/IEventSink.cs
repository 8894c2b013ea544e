namespace Quell.Events;

/// <summary>One event as a receiver hands it over, before storage: its time if the sender gave one, the raw text as received, and its fields as flattened dotted names (ECS-style plus the original names) whose values are string, long, double, bool, null, or an IReadOnlyList&lt;object?&gt; of those.</summary>
public sealed record IncomingEvent(DateTimeOffset? Timestamp, string Raw, IReadOnlyDictionary<string, object?> Fields);

/// <summary>Who sent a batch: the organisation and the source's name (an ingest token's source, or e.g. "syslog-tcp").</summary>
public readonly record struct EventOrigin(long OrgId, string Source);

/// <summary>Where receivers hand events. The task completes only when every event of the batch is durably stored, so a receiver acknowledges after it and never before.</summary>
public interface IEventSink
{
    ValueTask AppendAsync(EventOrigin origin, IReadOnlyList<IncomingEvent> events, CancellationToken ct);
}
