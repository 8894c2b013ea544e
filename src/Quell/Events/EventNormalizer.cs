using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Quell.Events;

/// <summary>
/// Turns one JSON event into flattened dotted fields: the original names (nested objects joined with '.', Windows
/// XML attribute wrappers dropped), ECS names added beside them, and related.ip / hosts / hash / user collected from
/// every field that carries one. Pure: no clock, no I/O; the caller decides the time when the event has none.
/// </summary>
public static class EventNormalizer
{
    /// <summary>Fields whose value is the event's time, first found wins.</summary>
    static readonly string[] TimeFields = ["@timestamp", "timestamp", "time", "Event.System.TimeCreated.SystemTime", "event.created"];

    /// <summary>Normalizes <paramref name="root"/>; <paramref name="raw"/> is its text as received.</summary>
    public static IncomingEvent Normalize(JsonElement root, string raw, IReadOnlyDictionary<string, object?>? extra = null)
    {
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (root.ValueKind == JsonValueKind.Object)
            Flatten(root, "", fields);
        else
            fields["message"] = Scalar(root);
        if (extra is not null)
            foreach (var (k, v) in extra)
                fields.TryAdd(k, v);
        var windows = fields.ContainsKey("Event.System.EventID") || fields.ContainsKey("Event.System.Channel");
        if (windows)
            AddWindows(root, fields);
        else
            AddAliases(fields, EcsMapping.Json);
        AddDerived(fields);
        AddRelated(fields);
        return new IncomingEvent(FindTime(fields), raw, fields);
    }

    /// <summary>Normalizes a plain text line (syslog-style): the text is the message.</summary>
    public static IncomingEvent FromText(string text, IReadOnlyDictionary<string, object?>? extra = null)
    {
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal) { ["message"] = text };
        if (extra is not null)
            foreach (var (k, v) in extra)
                fields.TryAdd(k, v);
        AddDerived(fields);
        AddRelated(fields);
        return new IncomingEvent(FindTime(fields), text, fields);
    }

    static void Flatten(JsonElement e, string prefix, Dictionary<string, object?> into)
    {
        foreach (var p in e.EnumerateObject())
        {
            // Windows event JSON converted from XML wraps attributes in "#attributes": Provider.#attributes.Name is
            // the provider's Name, so the wrapper is not part of the name.
            var name = p.Name == "#attributes" ? prefix.TrimEnd('.') : prefix + p.Name;
            switch (p.Value.ValueKind)
            {
                case JsonValueKind.Object:
                    Flatten(p.Value, name.Length == 0 ? "" : name + ".", into);
                    break;
                case JsonValueKind.Array:
                    var list = new List<object?>(p.Value.GetArrayLength());
                    foreach (var item in p.Value.EnumerateArray())
                        list.Add(item.ValueKind is JsonValueKind.Object or JsonValueKind.Array ? item.GetRawText() : Scalar(item));
                    into[name] = list;
                    break;
                default:
                    if (name.Length > 0)
                        into[name] = Scalar(p.Value);
                    break;
            }
        }
    }

    static object? Scalar(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out var l) ? (object)l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => e.GetRawText(),
    };

    static void AddWindows(JsonElement root, Dictionary<string, object?> fields)
    {
        // Sigma rules name EventData fields bare (Image, CommandLine) and System fields as EventID, Channel, Computer,
        // Provider_Name: keep them under those names too.
        foreach (var name in (string[])["EventID", "Channel", "Computer", "Level", "Task", "Keywords", "EventRecordID"])
            if (fields.TryGetValue("Event.System." + name, out var v))
                fields.TryAdd(name, v);
        if (fields.TryGetValue("Event.System.Provider.Name", out var provider))
            fields.TryAdd("Provider_Name", provider);
        if (root.TryGetProperty("Event", out var ev) && ev.ValueKind == JsonValueKind.Object &&
            ev.TryGetProperty("EventData", out var data) && data.ValueKind == JsonValueKind.Object)
            foreach (var p in data.EnumerateObject())
                if (p.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array) && p.Name != "#attributes")
                    fields.TryAdd(p.Name, Scalar(p.Value));
        AddAliases(fields, EcsMapping.Windows);
        fields.TryAdd("event.module", "windows");
        if (fields.TryGetValue("User", out var u) && u is string user)
        {
            var slash = user.IndexOf('\\', StringComparison.Ordinal);
            fields.TryAdd("user.name", slash >= 0 ? user[(slash + 1)..] : user);
            if (slash > 0)
                fields.TryAdd("user.domain", user[..slash]);
        }
        if (fields.TryGetValue("Hashes", out var h) && h is string hashes)
        {
            var owner = fields.ContainsKey("ImageLoaded") ? "dll" : fields.ContainsKey("TargetFilename") ? "file" : "process";
            foreach (var part in hashes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                    continue;
                var algorithm = part[..eq].ToLowerInvariant();
                if (algorithm is "md5" or "sha1" or "sha256" or "imphash")
                    fields.TryAdd($"{(algorithm == "imphash" ? owner + ".pe" : owner + ".hash")}.{algorithm}", part[(eq + 1)..].ToLowerInvariant());
            }
        }
    }

    static void AddAliases(Dictionary<string, object?> fields, IReadOnlyDictionary<string, string> map)
    {
        List<KeyValuePair<string, object?>>? add = null;
        foreach (var (name, value) in fields)
            if (value is not null && map.TryGetValue(name, out var ecs) && !fields.ContainsKey(ecs))
                (add ??= []).Add(new(ecs, value));
        if (add is not null)
            foreach (var (k, v) in add)
                fields.TryAdd(k, v);
    }

    /// <summary>Fields computed from others: names from paths, the domain of a URL.</summary>
    static void AddDerived(Dictionary<string, object?> fields)
    {
        foreach (var (path, name) in (ReadOnlySpan<(string, string)>)[("process.executable", "process.name"), ("process.parent.executable", "process.parent.name"),
                     ("file.path", "file.name"), ("dll.path", "dll.name")])
            if (!fields.ContainsKey(name) && fields.TryGetValue(path, out var v) && v is string p && p.Length > 0)
                fields[name] = p[(p.LastIndexOfAny(['\\', '/']) + 1)..];
        if (!fields.ContainsKey("url.domain") && fields.TryGetValue("url.original", out var u) && u is string url &&
            Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
            fields["url.domain"] = uri.Host;
    }

    static void AddRelated(Dictionary<string, object?> fields)
    {
        var ip = new List<object?>();
        var hosts = new List<object?>();
        var hash = new List<object?>();
        var user = new List<object?>();
        foreach (var (name, value) in fields)
        {
            if (EcsMapping.IpFields.Contains(name))
                Each(value, s => { if (IPAddress.TryParse(s, out var a)) Add(ip, a.ToString()); });
            else if (EcsMapping.HostFields.Contains(name))
                Each(value, s => Add(hosts, s.TrimEnd('.').ToLowerInvariant()));
            else if (EcsMapping.UserFields.Contains(name))
                Each(value, s => Add(user, s));
            else if (name.Contains(".hash.", StringComparison.Ordinal))
                Each(value, s => Add(hash, s.ToLowerInvariant()));
            else if (name is "related.ip" or "related.hosts" or "related.hash" or "related.user")
                Each(value, s => Add(name switch { "related.ip" => ip, "related.hosts" => hosts, "related.hash" => hash, _ => user }, s));
        }
        Set(fields, "related.ip", ip);
        Set(fields, "related.hosts", hosts);
        Set(fields, "related.hash", hash);
        Set(fields, "related.user", user);
    }

    static void Each(object? value, Action<string> f)
    {
        if (value is IReadOnlyList<object?> list)
        {
            foreach (var item in list)
                Each(item, f);
            return;
        }
        var s = value switch
        {
            string str => str,
            long l => l.ToString(CultureInfo.InvariantCulture),
            _ => null,
        };
        if (!string.IsNullOrWhiteSpace(s) && s != "-")
            f(s.Trim());
    }

    static void Add(List<object?> list, string v)
    {
        if (!list.Contains(v))
            list.Add(v);
    }

    static void Set(Dictionary<string, object?> fields, string name, List<object?> values)
    {
        if (values.Count > 0)
            fields[name] = values;
    }

    static DateTimeOffset? FindTime(Dictionary<string, object?> fields)
    {
        foreach (var name in TimeFields)
            if (fields.TryGetValue(name, out var v) && ParseTime(v) is { } t)
                return t;
        return null;
    }

    /// <summary>ISO 8601 (or "yyyy-MM-dd HH:mm:ss.fff", UTC), or epoch seconds (with fractions) / milliseconds as a number or string.</summary>
    public static DateTimeOffset? ParseTime(object? value)
    {
        switch (value)
        {
            case long l:
                return FromEpoch(l);
            case double d:
                return FromEpoch(d);
            case string s when s.Length > 0:
                if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
                    return FromEpoch(n);
                if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
                    return t;
                return null;
            default:
                return null;
        }
    }

    static DateTimeOffset? FromEpoch(double n)
    {
        // Seconds until year 5138; a larger number is milliseconds.
        var ms = Math.Abs(n) < 1e11 ? n * 1000 : n;
        if (double.IsNaN(ms) || ms < 0 || ms > 253402300799999)
            return null;
        return DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(ms));
    }
}
