using System.Buffers;
using System.Runtime.InteropServices;

namespace Quell.Events;

/// <summary>
/// What a batch's SQLite rows hold that needs no database: each event's fields as the UTF-8 JSON the store writes and
/// the related.* values it indexes. Made on the receiver's thread before the batch queues for SQLite's single writer
/// (decision 225), so the writer, which every batch passes through one at a time, only binds and steps. The JSON of
/// the whole batch shares one pooled buffer, given back by <see cref="Dispose"/>.
/// </summary>
sealed class EventRows : IDisposable
{
    byte[] _json;
    readonly int[] _jsonEnd;
    readonly List<string> _related = [];
    readonly int[] _relatedEnd;

    EventRows(int count)
    {
        _json = ArrayPool<byte>.Shared.Rent(count * 1024);
        _jsonEnd = new int[count];
        _relatedEnd = new int[count];
    }

    public static EventRows Of(IReadOnlyList<IncomingEvent> events)
    {
        var rows = new EventRows(events.Count);
        var used = 0;
        for (var i = 0; i < events.Count; i++)
        {
            var json = EventJson.SerializeUtf8(events[i].Fields);
            if (used + json.Length > rows._json.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(rows._json.Length * 2, used + json.Length));
                rows._json.AsSpan(0, used).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(rows._json);
                rows._json = bigger;
            }
            json.CopyTo(rows._json.AsSpan(used));
            used += json.Length;
            rows._jsonEnd[i] = used;
            rows._related.AddRange(EventStore.Related(events[i]));
            rows._relatedEnd[i] = rows._related.Count;
        }
        return rows;
    }

    /// <summary>Event <paramref name="i"/>'s fields as JSON (UTF-8).</summary>
    public ReadOnlySpan<byte> FieldsJson(int i)
    {
        var start = i == 0 ? 0 : _jsonEnd[i - 1];
        return _json.AsSpan(start, _jsonEnd[i] - start);
    }

    /// <summary>Event <paramref name="i"/>'s distinct related.* values that the index keeps.</summary>
    public ReadOnlySpan<string> Related(int i)
    {
        var start = i == 0 ? 0 : _relatedEnd[i - 1];
        return CollectionsMarshal.AsSpan(_related)[start.._relatedEnd[i]];
    }

    public void Dispose()
    {
        if (_json.Length > 0)
            ArrayPool<byte>.Shared.Return(_json);
        _json = [];
    }
}
