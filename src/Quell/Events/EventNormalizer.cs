using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Quell.Events;

/// <summary>
/// Turns one JSON event into flattened dotted fields: the original names (nested objects joined with '.', Windows
/// XML attribute wrappers dropped), ECS names added beside them, and related.ip / hosts / hash / user collected from
/// every field that carries one. Pure: no clock, no I/O; the caller decides the time when the event has none.
/// </summary>
public static partial class EventNormalizer
{
    /// <summary>Fields whose value is the event's time, first found wins.</summary>
    static readonly string[] TimeFields = ["@timestamp", "timestamp", "time", "Event.System.TimeCreated.SystemTime", "event.created"];

    /// <summary>Normalizes <paramref name="root"/>; <paramref name="raw"/> is its text as received.</summary>
    public static IncomingEvent Normalize(JsonElement root, string raw, IReadOnlyDictionary<string, object?>? extra = null)
    {
        var fields = Fields(root, extra);
        return new IncomingEvent(FindTime(fields), raw, fields);
    }

    /// <summary>Normalizes <paramref name="root"/>; <paramref name="rawUtf8"/> is its text as received, valid UTF-8 without U+0000.</summary>
    public static IncomingEvent Normalize(JsonElement root, ReadOnlyMemory<byte> rawUtf8, IReadOnlyDictionary<string, object?>? extra = null)
    {
        var fields = Fields(root, extra);
        return new IncomingEvent(FindTime(fields), rawUtf8, fields);
    }

    static Dictionary<string, object?> Fields(JsonElement root, IReadOnlyDictionary<string, object?>? extra)
    {
        // Sized for a typical event with its ECS names and related.* lists, so the table is not grown several times.
        var fields = new Dictionary<string, object?>(32, StringComparer.Ordinal);
        if (root.ValueKind == JsonValueKind.Object)
            Flatten(root, "", fields);
        else
            fields["message"] = Scalar(root);
        Complete(fields, extra, EventData(root));
        return fields;
    }

    /// <summary>
    /// What every event gets after its own fields: the receiver's extra fields where the event has none of that name,
    /// the Windows or JSON ECS names, derived fields and related.* lists. <paramref name="eventData"/> holds the scalar
    /// members of <c>Event.EventData</c>, which Windows events also get under their bare names.
    /// </summary>
    static void Complete(Dictionary<string, object?> fields, IReadOnlyDictionary<string, object?>? extra, List<KeyValuePair<string, object?>>? eventData)
    {
        if (extra is not null)
            foreach (var (k, v) in extra)
                fields.TryAdd(k, v);
        var windows = fields.ContainsKey("Event.System.EventID") || fields.ContainsKey("Event.System.Channel");
        if (windows)
            AddWindows(eventData, fields);
        else
            AddAliases(fields, windows: false);
        AddDerived(fields);
        AddRelated(fields);
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
            var attributes = p.NameEquals("#attributes"u8);
            var name = attributes ? prefix.TrimEnd('.') : FieldNames.Of(prefix, p);
            switch (p.Value.ValueKind)
            {
                case JsonValueKind.Object:
                    Flatten(p.Value, name.Length == 0 ? "" : attributes ? name + "." : FieldNames.DottedOf(prefix, p), into);
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

    static readonly (string System, string Bare)[] WindowsSystemNames =
        [.. ((string[])["EventID", "Channel", "Computer", "Level", "Task", "Keywords", "EventRecordID"]).Select(n => ("Event.System." + n, n))];

    /// <summary>The scalar members of <c>Event.EventData</c> (the last of duplicate names, as TryGetProperty finds them).</summary>
    static List<KeyValuePair<string, object?>>? EventData(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("Event", out var ev) || ev.ValueKind != JsonValueKind.Object ||
            !ev.TryGetProperty("EventData", out var data) || data.ValueKind != JsonValueKind.Object)
            return null;
        var members = new List<KeyValuePair<string, object?>>();
        foreach (var p in data.EnumerateObject())
            if (p.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array) && p.Name != "#attributes")
                members.Add(new(p.Name, Scalar(p.Value)));
        return members;
    }

    static void AddWindows(List<KeyValuePair<string, object?>>? eventData, Dictionary<string, object?> fields)
    {
        // Sigma rules name EventData fields bare (Image, CommandLine) and System fields as EventID, Channel, Computer,
        // Provider_Name: keep them under those names too.
        foreach (var (system, name) in WindowsSystemNames)
            if (fields.TryGetValue(system, out var v))
                fields.TryAdd(name, v);
        if (fields.TryGetValue("Event.System.Provider.Name", out var provider))
            fields.TryAdd("Provider_Name", provider);
        if (eventData is not null)
            foreach (var (k, v) in eventData)
                fields.TryAdd(k, v);
        AddAliases(fields, windows: true);
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

    [ThreadStatic]
    static List<KeyValuePair<string, object?>>? t_aliases;

    static void AddAliases(Dictionary<string, object?> fields, bool windows)
    {
        // The aliases wait in a list of the thread's (the table cannot change while it is enumerated).
        var add = t_aliases ??= [];
        foreach (var (name, value) in fields)
            if (value is not null && EcsMapping.Roles.TryGetValue(name, out var role) && (windows ? role.WindowsAlias : role.JsonAlias) is { } ecs &&
                !fields.ContainsKey(ecs))
                add.Add(new(ecs, value));
        foreach (var (k, v) in add)
            fields.TryAdd(k, v);
        add.Clear();
    }

    /// <summary>Fields computed from others: names from paths, the domain of a URL.</summary>
    static void AddDerived(Dictionary<string, object?> fields)
    {
        foreach (var (path, name) in (ReadOnlySpan<(string, string)>)[("process.executable", "process.name"), ("process.parent.executable", "process.parent.name"),
                     ("file.path", "file.name"), ("dll.path", "dll.name")])
            if (fields.TryGetValue(path, out var v) && v is string p && p.Length > 0 && !fields.ContainsKey(name))
                fields[name] = p[(p.LastIndexOfAny(['\\', '/']) + 1)..];
        if (fields.TryGetValue("url.original", out var u) && u is string url && !fields.ContainsKey("url.domain") &&
            Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
            fields["url.domain"] = uri.Host;
    }

    /// <summary>The related.* lists of one event, made when their first value is found.</summary>
    struct RelatedValues
    {
        public List<object?>? Ip, Hosts, Hash, User;
    }

    static void AddRelated(Dictionary<string, object?> fields)
    {
        var related = new RelatedValues();
        foreach (var (name, value) in fields)
        {
            EcsMapping.Roles.TryGetValue(name, out var role);
            var kind = role is { Related: not RelatedKind.None } ? role.Related
                : name.Contains(".hash.", StringComparison.Ordinal) ? RelatedKind.Hash
                : RelatedKind.None;
            if (kind != RelatedKind.None)
                Collect(value, kind, false, ref related);
            else if (role is { Given: not RelatedKind.None and var given })
                Collect(value, given, true, ref related);
        }
        Set(fields, "related.ip", related.Ip);
        Set(fields, "related.hosts", related.Hosts);
        Set(fields, "related.hash", related.Hash);
        Set(fields, "related.user", related.User);
    }

    /// <summary>Adds a field's values to the list of their kind; values already under related.* are taken as they are.</summary>
    static void Collect(object? value, RelatedKind kind, bool asIs, ref RelatedValues into)
    {
        if (value is IReadOnlyList<object?> list)
        {
            foreach (var item in list)
                Collect(item, kind, asIs, ref into);
            return;
        }
        var s = value switch
        {
            string str => str,
            long l => l.ToString(CultureInfo.InvariantCulture),
            _ => null,
        };
        if (string.IsNullOrWhiteSpace(s) || s == "-")
            return;
        s = s.Trim();
        switch (kind)
        {
            case RelatedKind.Ip when asIs:
                Add(ref into.Ip, s);
                break;
            case RelatedKind.Ip:
                if (IsCanonicalIPv4(s))
                    Add(ref into.Ip, s);
                else if (IPAddress.TryParse(s, out var a))
                    Add(ref into.Ip, Canonical(a, s));
                break;
            case RelatedKind.Host:
                Add(ref into.Hosts, asIs ? s : s.TrimEnd('.').ToLowerInvariant());
                break;
            case RelatedKind.Hash:
                Add(ref into.Hash, asIs ? s : s.ToLowerInvariant());
                break;
            default:
                Add(ref into.User, s);
                break;
        }
    }

    /// <summary>
    /// Whether <paramref name="s"/> is four decimal numbers 0-255 without leading zeros, joined by dots: the text
    /// IPAddress would parse and format back unchanged, checked without making an IPAddress (decision 219).
    /// </summary>
    internal static bool IsCanonicalIPv4(ReadOnlySpan<char> s)
    {
        if (s.Length is < 7 or > 15)
            return false;
        var parts = 0;
        var i = 0;
        while (true)
        {
            var start = i;
            var value = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i]) && i - start < 3)
                value = value * 10 + (s[i++] - '0');
            var digits = i - start;
            if (digits == 0 || value > 255 || (digits > 1 && s[start] == '0'))
                return false;
            if (++parts == 4)
                return i == s.Length;
            if (i >= s.Length || s[i] != '.')
                return false;
            i++;
        }
    }

    /// <summary>The address's canonical text, reusing <paramref name="text"/> when it is already canonical (the usual case).</summary>
    static string Canonical(IPAddress address, string text)
    {
        Span<char> buffer = stackalloc char[64];
        return address.TryFormat(buffer, out var n) && buffer[..n].SequenceEqual(text) ? text : address.ToString();
    }

    static void Add(ref List<object?>? list, string v)
    {
        list ??= [];
        if (!list.Contains(v))
            list.Add(v);
    }

    static void Set(Dictionary<string, object?> fields, string name, List<object?>? values)
    {
        if (values is { Count: > 0 })
            fields[name] = values;
    }

    internal static DateTimeOffset? FindTime(Dictionary<string, object?> fields)
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
