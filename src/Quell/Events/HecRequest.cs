using System.Runtime.InteropServices;
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
        HecReply? error = null;
        JsonStream.ForEach(body, (in JsonRecord r) =>
        {
            var index = r.Number - 1;
            if (r.Document is null || r.Document.RootElement.ValueKind != JsonValueKind.Object || index >= maxEvents)
            {
                error = index >= maxEvents ? new HecReply(400, 6, $"Invalid data format: more than {maxEvents} events in one request", index) : HecReply.InvalidFormat(index);
                return false;
            }
            var root = r.Document.RootElement;
            if (!root.TryGetProperty("event", out var ev))
            {
                error = new HecReply(400, 12, "Event field is required", index);
                return false;
            }
            if (ev.ValueKind == JsonValueKind.Null || (ev.ValueKind == JsonValueKind.String && ev.GetString()!.Length == 0) ||
                (ev.ValueKind == JsonValueKind.Object && !ev.EnumerateObject().Any()))
            {
                error = new HecReply(400, 13, "Event field cannot be blank", index);
                return false;
            }
            var extra = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var name in (string[])["host", "source", "sourcetype", "index"])
                if (root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String)
                    extra["hec." + name] = v.GetString();
            if (extra.TryGetValue("hec.host", out var host))
                extra["host.name"] = host;
            if (root.TryGetProperty("fields", out var fields))
            {
                if (fields.ValueKind != JsonValueKind.Object)
                {
                    error = new HecReply(400, 15, "Error in handling indexed fields", index);
                    return false;
                }
                foreach (var f in fields.EnumerateObject())
                    extra[f.Name] = f.Value.ValueKind switch
                    {
                        JsonValueKind.String => f.Value.GetString(),
                        JsonValueKind.Number => f.Value.TryGetInt64(out var l) ? (object)l : f.Value.GetDouble(),
                        JsonValueKind.Array => f.Value.EnumerateArray().Select(x => (object?)(x.ValueKind == JsonValueKind.String ? x.GetString() : x.GetRawText())).ToList(),
                        _ => f.Value.GetRawText(),
                    };
            }
            var e = ev.ValueKind == JsonValueKind.Object
                ? EventNormalizer.Normalize(ev, raw.Copy(JsonMarshal.GetRawUtf8Value(ev)), extra)
                : EventNormalizer.FromText(ev.ValueKind == JsonValueKind.String ? ev.GetString()! : ev.GetRawText(), extra);
            if (root.TryGetProperty("time", out var time))
            {
                object? t = time.ValueKind switch
                {
                    JsonValueKind.Number => time.GetDouble(),
                    JsonValueKind.String => time.GetString(),
                    _ => null,
                };
                if (EventNormalizer.ParseTime(t) is not { } at)
                {
                    error = HecReply.InvalidFormat(index);
                    return false;
                }
                e = e with { Timestamp = at };
            }
            events.Add(e);
            return true;
        });
        if (error is not null)
            return (null, error);
        return events.Count == 0 ? (null, HecReply.NoData) : (events, null);
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
