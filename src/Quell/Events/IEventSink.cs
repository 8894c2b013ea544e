using System.Text;

namespace Quell.Events;

/// <summary>
/// One event as a receiver hands it over, before storage: its time if the sender gave one, the raw text as received,
/// and its fields as flattened dotted names (ECS-style plus the original names) whose values are string, long, double,
/// bool, null, or an IReadOnlyList&lt;object?&gt; of those.
/// </summary>
public sealed record IncomingEvent
{
    string? _raw;

    public IncomingEvent(DateTimeOffset? timestamp, string raw, IReadOnlyDictionary<string, object?> fields)
    {
        Timestamp = timestamp;
        _raw = raw;
        Fields = fields;
    }

    /// <summary>
    /// An event whose raw text is kept as the UTF-8 it arrived in (decision 204): the store writes these bytes as they
    /// are, and <see cref="Raw"/> decodes them only when something reads the text. The caller guarantees valid UTF-8
    /// without U+0000 (a JSON value's bytes, which the reader checked), so both forms store the same text.
    /// </summary>
    public IncomingEvent(DateTimeOffset? timestamp, ReadOnlyMemory<byte> rawUtf8, IReadOnlyDictionary<string, object?> fields)
    {
        Timestamp = timestamp;
        RawUtf8 = rawUtf8;
        Fields = fields;
    }

    public DateTimeOffset? Timestamp { get; init; }

    public string Raw => _raw ??= Encoding.UTF8.GetString(RawUtf8!.Value.Span);

    /// <summary>The raw text as UTF-8 when the receiver kept its bytes; null when it was given as a string.</summary>
    public ReadOnlyMemory<byte>? RawUtf8 { get; }

    public IReadOnlyDictionary<string, object?> Fields { get; init; }

    // The text decides equality, whichever form holds it, and whether it was decoded yet.
    public bool Equals(IncomingEvent? other) =>
        other is not null && Timestamp == other.Timestamp && Raw == other.Raw && Equals(Fields, other.Fields);

    public override int GetHashCode() => HashCode.Combine(Timestamp, Raw, Fields);
}

/// <summary>Who sent a batch: the organisation and the source's name (an ingest token's source, or e.g. "syslog-tcp").</summary>
public readonly record struct EventOrigin(long OrgId, string Source);

/// <summary>Where receivers hand events. The task completes only when every event of the batch is durably stored, so a receiver acknowledges after it and never before.</summary>
public interface IEventSink
{
    ValueTask AppendAsync(EventOrigin origin, IReadOnlyList<IncomingEvent> events, CancellationToken ct);
}
