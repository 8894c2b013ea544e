using System.Runtime.InteropServices;
using System.Text.Json;

namespace Quell.Detection.Sigma;

/// <summary>
/// A JSON event as the engine sees it. Every value is reachable by its dotted path (<c>Event.EventData.Image</c>,
/// <c>process.command_line</c>); Windows event JSON (evtx converted with <c>#attributes</c>, as in SigmaHQ's
/// regression data) and Winlogbeat's <c>winlog.event_data</c> also expose their fields by their short Sigma names
/// (<c>Image</c>, <c>EventID</c>, <c>Channel</c>, <c>Provider_Name</c>), and <see cref="SigmaFieldAliases"/> bridges
/// ECS names. The element must stay alive (its JsonDocument undisposed) while the event is used.
/// </summary>
public sealed class JsonSigmaEvent : ISigmaEvent
{
    const int MaxDepth = 32;

    // Sized for a Windows event (about 40 paths and 30 short names), so that it rarely grows.
    readonly Dictionary<string, SigmaValue> _fields = new(96, StringComparer.OrdinalIgnoreCase);

    // The values keyword search visits, in event order: each value once (short names duplicate a dotted path's value).
    readonly List<SigmaValue> _values = new(64);

    readonly Func<string, string?> _scalar;

    // Names and paths seen so far, and the stamp of the current event in them (see JsonPathNames).
    readonly JsonPathNames _names = new();
    int _stamp;
    bool _duplicates;

    public JsonSigmaEvent(JsonElement root)
    {
        _scalar = name => TryGetValue(name, out var v) && v.IsScalar ? v.Text : null;
        Read(root);
    }

    /// <summary>
    /// Makes this view show another event, reusing its buffers (matching many events through one instance allocates
    /// far less); the previous event's values are no longer reachable through it.
    /// </summary>
    public void Read(JsonElement root)
    {
        _fields.Clear();
        _values.Clear();
        Root = root;
        if (++_stamp == int.MaxValue)
            _stamp = 1; // a node stamped long ago and not since would read as current: only after 2^31 events
        _duplicates = false;
        var top = _names.Root;
        if (root.ValueKind == JsonValueKind.Object)
            Flatten(root, top, "", 0);
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("Event", out var ev) && ev.ValueKind == JsonValueKind.Object)
            AddWindows(ev, JsonPathNames.Child(top, "Event"u8));
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("winlog", out var winlog) && winlog.ValueKind == JsonValueKind.Object
            && winlog.TryGetProperty("event_data", out var data) && data.ValueKind == JsonValueKind.Object)
            AddShort(data, JsonPathNames.Child(JsonPathNames.Child(top, "winlog"u8), "event_data"u8));
        Logsource = SigmaLogsources.Derive(_scalar);
    }

    public JsonElement Root { get; private set; }

    public SigmaEventLogsource Logsource { get; private set; } = SigmaEventLogsource.Unknown;

    public IEnumerable<SigmaValue> AllValues => _values;

    public IReadOnlyDictionary<string, SigmaValue> Fields => _fields;

    public bool TryGetValue(string field, out SigmaValue value)
    {
        if (_fields.TryGetValue(field, out value))
            return true;
        foreach (var alias in SigmaFieldAliases.For(field))
            if (_fields.TryGetValue(alias, out value))
                return true;
        value = default;
        return false;
    }

    void Flatten(JsonElement obj, JsonPathNames.Node? parent, string prefix, int depth)
    {
        foreach (var p in obj.EnumerateObject())
        {
            var node = _names.Child(parent, p);
            var path = node?.Path ?? (prefix.Length == 0 ? p.Name : string.Concat(prefix, ".", p.Name));
            SigmaValue value;
            if (p.Value.ValueKind == JsonValueKind.Object && depth < MaxDepth)
            {
                value = new SigmaValue(SigmaValueKind.Object, "");
                Remember(node, value);
                Add(path, value);
                Flatten(p.Value, node, path, depth + 1);
            }
            else
            {
                value = node is not null && p.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number
                    ? node.Scalar(p.Value)
                    : Convert(p.Value, depth);
                Remember(node, value);
                Add(path, value);
            }
        }
    }

    /// <summary>Keeps the first value of the path in this event; a path seen twice (duplicate keys) turns reuse off.</summary>
    void Remember(JsonPathNames.Node? node, SigmaValue value)
    {
        if (node is null)
            return;
        if (node.Stamp == _stamp)
        {
            _duplicates = true;
            return;
        }
        node.Stamp = _stamp;
        node.Value = value;
    }

    /// <summary>
    /// The value flattening converted for this element when it is known to be the same one (the node was stamped in
    /// this event, no path repeated, not an array: arrays convert with their depth), else a new conversion.
    /// </summary>
    SigmaValue Reuse(JsonPathNames.Node? node, JsonElement element) =>
        node is not null && node.Stamp == _stamp && !_duplicates && node.Value.Kind != SigmaValueKind.Array
            ? node.Value
            : Convert(element, 1);

    void Add(string path, SigmaValue value)
    {
        if (_fields.TryAdd(path, value))
            _values.Add(value);
    }

    static SigmaValue Convert(JsonElement e, int depth) => e.ValueKind switch
    {
        JsonValueKind.String => new SigmaValue(SigmaValueKind.String, e.GetString()!),
        JsonValueKind.Number => new SigmaValue(SigmaValueKind.Number, e.GetRawText()),
        JsonValueKind.True => new SigmaValue(SigmaValueKind.Boolean, "true"),
        JsonValueKind.False => new SigmaValue(SigmaValueKind.Boolean, "false"),
        JsonValueKind.Array when depth < MaxDepth => new SigmaValue(SigmaValueKind.Array, "", [.. e.EnumerateArray().Select(i => Convert(i, depth + 1))]),
        JsonValueKind.Object => new SigmaValue(SigmaValueKind.Object, ""),
        _ => SigmaValue.Null,
    };

    /// <summary>Short names for Windows event JSON: EventData/UserData fields, System fields and attributes.</summary>
    void AddWindows(JsonElement ev, JsonPathNames.Node? evNode)
    {
        if (ev.TryGetProperty("System", out var system) && system.ValueKind == JsonValueKind.Object)
        {
            var systemNode = JsonPathNames.Child(evNode, "System"u8);
            foreach (var p in system.EnumerateObject())
            {
                var node = JsonPathNames.Child(systemNode, JsonMarshal.GetRawUtf8PropertyName(p));
                if (p.Value.ValueKind == JsonValueKind.Object)
                {
                    // <Provider Name="..."/> becomes Provider_Name, as evtx tools and Sigma name it.
                    if (p.Value.TryGetProperty("#attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object)
                    {
                        var attributesNode = JsonPathNames.Child(node, "#attributes"u8);
                        foreach (var a in attributes.EnumerateObject())
                        {
                            var attribute = JsonPathNames.Child(attributesNode, JsonMarshal.GetRawUtf8PropertyName(a));
                            var name = attribute is null ? $"{p.Name}_{a.Name}" : attribute.AttributeName ??= $"{p.Name}_{a.Name}";
                            Short(name, Reuse(attribute, a.Value));
                        }
                    }
                    if (p.Value.TryGetProperty("#text", out var text))
                        Short(node?.Name ?? p.Name, Reuse(JsonPathNames.Child(node, "#text"u8), text));
                }
                else
                    Short(node?.Name ?? p.Name, Reuse(node, p.Value));
            }
        }
        if (ev.TryGetProperty("EventData", out var data) && data.ValueKind == JsonValueKind.Object)
            AddShort(data, JsonPathNames.Child(evNode, "EventData"u8));
        if (ev.TryGetProperty("UserData", out var user) && user.ValueKind == JsonValueKind.Object)
        {
            var userNode = JsonPathNames.Child(evNode, "UserData"u8);
            foreach (var p in user.EnumerateObject())
                if (p.Value.ValueKind == JsonValueKind.Object)
                    AddShort(p.Value, JsonPathNames.Child(userNode, JsonMarshal.GetRawUtf8PropertyName(p)));
        }
    }

    void AddShort(JsonElement data, JsonPathNames.Node? dataNode)
    {
        foreach (var p in data.EnumerateObject())
        {
            if (p.NameEquals("#attributes"u8))
                continue;
            var node = JsonPathNames.Child(dataNode, JsonMarshal.GetRawUtf8PropertyName(p));
            var name = node?.Name ?? p.Name;
            // <Data Name="x">v</Data> lists, as some converters write EventData.
            if (name == "Data" && p.Value.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in p.Value.EnumerateArray())
                    if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("#attributes", out var a) && a.TryGetProperty("Name", out var n)
                        && n.ValueKind == JsonValueKind.String)
                        Short(n.GetString()!, item.TryGetProperty("#text", out var t) ? Convert(t, 1) : SigmaValue.Null);
                continue;
            }
            Short(name, Reuse(node, p.Value));
        }
    }

    void Short(string name, SigmaValue value)
    {
        // A short name with a dot reads like a path, and keyword search has always visited it as one.
        if (_fields.TryAdd(name, value) && name.Contains('.'))
            _values.Add(value);
    }
}
