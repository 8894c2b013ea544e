using System.Globalization;
using System.Text.Json;

namespace Quell.Events.Receivers;

/// <summary>
/// OTLP logs over HTTP in the JSON encoding (<c>POST /v1/logs</c>, ExportLogsServiceRequest): resourceLogs →
/// scopeLogs → logRecords. Each record becomes one event: resource and record attributes keep their names (OpenTelemetry's
/// semantic conventions mostly are ECS names: <c>host.name</c>, <c>service.name</c>, <c>user.name</c>), the body becomes
/// <c>message</c> (a map body is flattened beside it), severity becomes <c>log.level</c> and <c>event.severity</c>, the
/// trace context <c>trace.id</c> and <c>span.id</c>. A record that cannot be read is counted as rejected, as the
/// protocol's partial success reports it.
/// </summary>
public static class OtlpLogs
{
    /// <summary>The records' events and, per rejected record, why; or the request-level error when the body is not a request.</summary>
    public static (List<IncomingEvent>? Events, List<string> Rejected, string? Error) Parse(ReadOnlySpan<byte> body, int maxRecords)
    {
        var events = new List<IncomingEvent>();
        var rejected = new List<string>();
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = JsonStream.MaxDepth });
        }
        catch (JsonException e)
        {
            return (null, rejected, $"the body is not valid JSON: {e.Message}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return (null, rejected, "the body must be an ExportLogsServiceRequest object with resourceLogs");
            if (!doc.RootElement.TryGetProperty("resourceLogs", out var resourceLogs))
                return (events, rejected, null); // an empty request is valid
            if (resourceLogs.ValueKind != JsonValueKind.Array)
                return (null, rejected, "resourceLogs must be an array");
            foreach (var rl in resourceLogs.EnumerateArray())
            {
                var resource = new Dictionary<string, object?>(StringComparer.Ordinal);
                if (rl.ValueKind == JsonValueKind.Object && rl.TryGetProperty("resource", out var r) && r.ValueKind == JsonValueKind.Object)
                    Attributes(r, "", resource);
                if (rl.ValueKind != JsonValueKind.Object || !rl.TryGetProperty("scopeLogs", out var scopeLogs) || scopeLogs.ValueKind != JsonValueKind.Array)
                    continue;
                foreach (var sl in scopeLogs.EnumerateArray())
                {
                    if (sl.ValueKind != JsonValueKind.Object || !sl.TryGetProperty("logRecords", out var records) || records.ValueKind != JsonValueKind.Array)
                        continue;
                    string? scope = null;
                    if (sl.TryGetProperty("scope", out var s) && s.ValueKind == JsonValueKind.Object && s.TryGetProperty("name", out var sn) && sn.ValueKind == JsonValueKind.String)
                        scope = sn.GetString();
                    foreach (var record in records.EnumerateArray())
                    {
                        if (events.Count + rejected.Count >= maxRecords)
                            return (null, rejected, $"the request holds more than {maxRecords} log records; send smaller batches");
                        if (Record(record, resource, scope, out var error) is { } e)
                            events.Add(e);
                        else
                            rejected.Add(error!);
                    }
                }
            }
        }
        return (events, rejected, null);
    }

    static IncomingEvent? Record(JsonElement record, Dictionary<string, object?> resource, string? scope, out string? error)
    {
        error = null;
        if (record.ValueKind != JsonValueKind.Object)
        {
            error = "a log record must be an object";
            return null;
        }
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        Attributes(record, "", fields);
        foreach (var (k, v) in resource)
            fields.TryAdd(k, v);
        if (scope is not null)
            fields.TryAdd("log.logger", scope);
        if (record.TryGetProperty("body", out var body))
        {
            var value = Any(body);
            if (value is Dictionary<string, object?> map)
                foreach (var (k, v) in map)
                    fields.TryAdd(k, v);
            else
                fields.TryAdd("message", value);
        }
        if (record.TryGetProperty("severityText", out var st) && st.ValueKind == JsonValueKind.String)
            fields.TryAdd("log.level", st.GetString());
        if (record.TryGetProperty("severityNumber", out var sv) && sv.TryGetInt64(out var severity))
            fields.TryAdd("event.severity", severity);
        foreach (var (name, field) in new[] { ("traceId", "trace.id"), ("spanId", "span.id") })
            if (record.TryGetProperty(name, out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } hex)
                fields.TryAdd(field, hex);
        foreach (var name in new[] { "timeUnixNano", "observedTimeUnixNano" })
        {
            if (!record.TryGetProperty(name, out var t))
                continue;
            if (!TryNanos(t, out var nanos))
            {
                error = $"{name} must be nanoseconds since the epoch (a number or a string of digits)";
                return null;
            }
            if (nanos == 0)
                continue; // "unknown" in the protocol
            fields["@timestamp"] = DateTimeOffset.UnixEpoch.AddTicks(nanos / 100).ToString("O", CultureInfo.InvariantCulture);
            break;
        }
        using var normalized = JsonDocument.Parse(EventJson.Serialize(fields));
        return EventNormalizer.Normalize(normalized.RootElement, record.GetRawText());
    }

    static bool TryNanos(JsonElement t, out long nanos)
    {
        nanos = 0;
        return t.ValueKind switch
        {
            JsonValueKind.Number => t.TryGetInt64(out nanos) && nanos >= 0,
            JsonValueKind.String => long.TryParse(t.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out nanos),
            _ => false,
        };
    }

    /// <summary>An object's <c>attributes</c> (KeyValue list) into <paramref name="into"/>, nested maps joined with '.'.</summary>
    static void Attributes(JsonElement owner, string prefix, Dictionary<string, object?> into)
    {
        if (!owner.TryGetProperty("attributes", out var attributes) || attributes.ValueKind != JsonValueKind.Array)
            return;
        KeyValues(attributes, prefix, into);
    }

    static void KeyValues(JsonElement list, string prefix, Dictionary<string, object?> into)
    {
        foreach (var kv in list.EnumerateArray())
        {
            if (kv.ValueKind != JsonValueKind.Object || !kv.TryGetProperty("key", out var k) || k.ValueKind != JsonValueKind.String)
                continue;
            var name = prefix + k.GetString();
            var value = kv.TryGetProperty("value", out var v) ? Any(v) : null;
            if (value is Dictionary<string, object?> map)
                foreach (var (mk, mv) in map)
                    into.TryAdd(name + "." + mk, mv);
            else
                into.TryAdd(name, value);
        }
    }

    /// <summary>An AnyValue: scalars as themselves (int64 may come as a string), arrays as lists, kvlists as flattened maps.</summary>
    static object? Any(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Object)
            return null;
        foreach (var p in v.EnumerateObject())
        {
            switch (p.Name)
            {
                case "stringValue" when p.Value.ValueKind == JsonValueKind.String:
                    return p.Value.GetString();
                case "boolValue" when p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    return p.Value.GetBoolean();
                case "intValue" when p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out var n):
                    return n;
                case "intValue" when p.Value.ValueKind == JsonValueKind.String && long.TryParse(p.Value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n):
                    return n;
                case "doubleValue" when p.Value.ValueKind == JsonValueKind.Number:
                    return p.Value.GetDouble();
                case "bytesValue" when p.Value.ValueKind == JsonValueKind.String:
                    return p.Value.GetString();
                case "arrayValue" when p.Value.ValueKind == JsonValueKind.Object:
                    return p.Value.TryGetProperty("values", out var items) && items.ValueKind == JsonValueKind.Array
                        ? items.EnumerateArray().Select(Any).Where(i => i is not Dictionary<string, object?>).ToList()
                        : new List<object?>();
                case "kvlistValue" when p.Value.ValueKind == JsonValueKind.Object:
                    var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                    if (p.Value.TryGetProperty("values", out var kvs) && kvs.ValueKind == JsonValueKind.Array)
                        KeyValues(kvs, "", map);
                    return map;
            }
        }
        return null;
    }
}
