using System.Text;
using System.Text.Json;

namespace Quell.Events;

/// <summary>A Splunk HEC answer: the status, and the body Splunk documents for it.</summary>
public sealed record HecReply(int Status, int Code, string Text, int? InvalidEventNumber = null)
{
    public static readonly HecReply Success = new(200, 0, "Success");
    public static readonly HecReply TokenRequired = new(401, 2, "Token is required");
    public static readonly HecReply InvalidAuthorization = new(401, 3, "Invalid authorization");
    public static readonly HecReply InvalidToken = new(403, 4, "Invalid token");
    public static readonly HecReply TokenDisabled = new(403, 1, "Token disabled");
    public static readonly HecReply NoData = new(400, 5, "No data");

    public static HecReply InvalidFormat(int index) => new(400, 6, "Invalid data format", index);
}

/// <summary>
/// Parses HEC bodies (pure). /services/collector/event: JSON objects one after another (not an array), each with
/// <c>event</c> (object or string) and optional <c>time</c> (epoch seconds), <c>host</c>, <c>source</c>,
/// <c>sourcetype</c>, <c>index</c> and <c>fields</c> (indexed fields, flat). /services/collector/raw: one event per line.
/// </summary>
public static class HecRequest
{
    /// <summary>The events of an /event body, or the reply naming the first bad one (0-based, as Splunk counts).</summary>
    public static (List<IncomingEvent>? Events, HecReply? Error) ParseEvents(ReadOnlySpan<byte> body, int maxEvents)
    {
        var events = new List<IncomingEvent>();
        var raw = new Utf8Slab();
        // The indexed fields and hec.* names of one record at a time: the normalizer copies them into the event's own fields.
        var extra = new Dictionary<string, object?>(StringComparer.Ordinal);
        // The fields table is sized for the largest event so far (up to 64 fields, so one wide event does not widen every
        // later one): a shipper's events are alike, and a table of 32 was the largest part of a small event's bytes (decision 219).
        var capacity = 0;
        Span<Previous> previous = [default, default, default, default];
        var pos = body.StartsWith("\xEF\xBB\xBF"u8) ? 3 : 0;
        for (var index = 0; ; index++)
        {
            while (pos < body.Length && body[pos] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
                pos++;
            if (pos >= body.Length)
                break;
            if (index >= maxEvents)
                return (null, new HecReply(400, 6, $"Invalid data format: more than {maxEvents} events in one request", index));
            var record = body[pos..];
            if (!HecRecord.TryRead(record, out var members))
                return (null, HecReply.InvalidFormat(index));
            record = record[..members.Length];
            if (Event(record, members, index, raw, extra, capacity, previous, out var e) is { } error)
                return (null, error);
            capacity = Math.Min(Math.Max(capacity, e!.Fields.Count), 64);
            events.Add(e!);
            pos += members.Length;
        }
        return events.Count == 0 ? (null, HecReply.NoData) : (events, null);
    }

    /// <summary>The event of one well-formed record, or what is wrong with it, checked in the order Splunk reports them.</summary>
    static HecReply? Event(ReadOnlySpan<byte> record, in HecRecord members, int index, Utf8Slab raw, Dictionary<string, object?> extra, int capacity, Span<Previous> previous, out IncomingEvent? e)
    {
        e = null;
        if (members.Event is not { } evAt)
            return new HecReply(400, 12, "Event field is required", index);
        var ev = record[evAt];
        var reader = HecRecord.ValueReader(ev);
        var kind = reader.TokenType;
        var text = kind == JsonTokenType.String ? reader.GetString()! : null;
        if (kind == JsonTokenType.Null || text is { Length: 0 } || (kind == JsonTokenType.StartObject && reader.Read() && reader.TokenType == JsonTokenType.EndObject))
            return new HecReply(400, 13, "Event field cannot be blank", index);
        extra.Clear();
        AddString(extra, "hec.host", record, members.Host, ref previous[0]);
        AddString(extra, "hec.source", record, members.Source, ref previous[1]);
        AddString(extra, "hec.sourcetype", record, members.SourceType, ref previous[2]);
        AddString(extra, "hec.index", record, members.Index, ref previous[3]);
        if (extra.TryGetValue("hec.host", out var host))
            extra["host.name"] = host;
        if (members.Fields is { } fieldsAt && !AddIndexedFields(extra, record[fieldsAt]))
            return new HecReply(400, 15, "Error in handling indexed fields", index);
        // The event is made before its time is read, so an event that cannot be read fails as it did with a JsonDocument.
        Dictionary<string, object?>? fields = null;
        if (kind == JsonTokenType.StartObject)
            fields = EventNormalizer.FieldsOfObject(ev, extra, capacity == 0 ? 32 : capacity);
        else
            e = EventNormalizer.FromText(text ?? Encoding.UTF8.GetString(ev), extra);
        DateTimeOffset? at = null;
        if (members.Time is { } timeAt)
        {
            var time = HecRecord.ValueReader(record[timeAt]);
            object? t = time.TokenType switch
            {
                JsonTokenType.Number => time.GetDouble(),
                JsonTokenType.String => time.GetString(),
                _ => null,
            };
            if (EventNormalizer.ParseTime(t) is not { } parsed)
                return HecReply.InvalidFormat(index);
            at = parsed;
        }
        if (fields is not null)
            e = new IncomingEvent(at ?? EventNormalizer.FindTime(fields), raw.Copy(ev), fields);
        else if (at is not null)
            e = e! with { Timestamp = at };
        return null;
    }

    static void AddString(Dictionary<string, object?> extra, string name, ReadOnlySpan<byte> record, Range? at, ref Previous previous)
    {
        if (at is not { } range)
            return;
        var json = record[range];
        var reader = HecRecord.ValueReader(json);
        if (reader.TokenType != JsonTokenType.String)
            return;
        // A request's records name the same host, source and sourcetype: the previous record's string is reused.
        if (previous.Text is null || !json.SequenceEqual(previous.Json.Span))
            previous = new(json.ToArray(), reader.GetString()!);
        extra[name] = previous.Text;
    }

    /// <summary>The JSON text of a hec.* string of the previous record, and its string.</summary>
    record struct Previous(ReadOnlyMemory<byte> Json, string? Text);

    /// <summary>Adds the members of the <c>fields</c> object; false when it is not an object.</summary>
    static bool AddIndexedFields(Dictionary<string, object?> extra, ReadOnlySpan<byte> json)
    {
        var reader = HecRecord.ValueReader(json);
        if (reader.TokenType != JsonTokenType.StartObject)
            return false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    extra[name] = reader.GetString();
                    break;
                case JsonTokenType.Number:
                    extra[name] = reader.TryGetInt64(out var l) ? (object)l : reader.GetDouble();
                    break;
                case JsonTokenType.StartArray:
                    var list = new List<object?>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        list.Add(reader.TokenType == JsonTokenType.String ? reader.GetString() : EventNormalizer.RawText(ref reader, json));
                    extra[name] = list;
                    break;
                default:
                    extra[name] = EventNormalizer.RawText(ref reader, json);
                    break;
            }
        }
        return true;
    }

    /// <summary>The events of a /raw body: one per non-empty line, with the request's host, source and sourcetype.</summary>
    public static (List<IncomingEvent>? Events, HecReply? Error) ParseRaw(ReadOnlySpan<byte> body, IReadOnlyDictionary<string, object?> extra, int maxEvents)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body))
            return (null, HecReply.InvalidFormat(0));
        var events = new List<IncomingEvent>();
        foreach (var line in Encoding.UTF8.GetString(body).Split('\n'))
        {
            var text = line.TrimEnd('\r');
            if (text.Length == 0)
                continue;
            if (events.Count >= maxEvents)
                return (null, new HecReply(400, 6, $"Invalid data format: more than {maxEvents} events in one request", events.Count));
            events.Add(EventNormalizer.FromText(text, extra));
        }
        return events.Count == 0 ? (null, HecReply.NoData) : (events, null);
    }
}
