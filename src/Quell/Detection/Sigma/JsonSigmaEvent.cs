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
        if (root.ValueKind == JsonValueKind.Object)
            Flatten(root, "", 0);
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("Event", out var ev) && ev.ValueKind == JsonValueKind.Object)
            AddWindows(ev);
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("winlog", out var winlog) && winlog.ValueKind == JsonValueKind.Object
            && winlog.TryGetProperty("event_data", out var data) && data.ValueKind == JsonValueKind.Object)
            AddShort(data);
        Logsource = SigmaLogsources.Derive(_scalar);
    }

    public JsonElement Root { get; private set; }

    public SigmaEventLogsource Logsource { get; private set; } = SigmaEventLogsource.Unknown;

    public IEnumerable<SigmaValue> AllValues => _values;

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

    void Flatten(JsonElement obj, string prefix, int depth)
    {
        foreach (var p in obj.EnumerateObject())
        {
            var path = prefix.Length == 0 ? p.Name : string.Concat(prefix, ".", p.Name);
            if (p.Value.ValueKind == JsonValueKind.Object && depth < MaxDepth)
            {
                Add(path, new SigmaValue(SigmaValueKind.Object, ""));
                Flatten(p.Value, path, depth + 1);
            }
            else
                Add(path, Convert(p.Value, depth));
        }
    }

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
    void AddWindows(JsonElement ev)
    {
        if (ev.TryGetProperty("System", out var system) && system.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in system.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.Object)
                {
                    // <Provider Name="..."/> becomes Provider_Name, as evtx tools and Sigma name it.
                    if (p.Value.TryGetProperty("#attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object)
                        foreach (var a in attributes.EnumerateObject())
                            Short($"{p.Name}_{a.Name}", Convert(a.Value, 1));
                    if (p.Value.TryGetProperty("#text", out var text))
                        Short(p.Name, Convert(text, 1));
                }
                else
                    Short(p.Name, Convert(p.Value, 1));
            }
        }
        if (ev.TryGetProperty("EventData", out var data) && data.ValueKind == JsonValueKind.Object)
            AddShort(data);
        if (ev.TryGetProperty("UserData", out var user) && user.ValueKind == JsonValueKind.Object)
            foreach (var p in user.EnumerateObject())
                if (p.Value.ValueKind == JsonValueKind.Object)
                    AddShort(p.Value);
    }

    void AddShort(JsonElement data)
    {
        foreach (var p in data.EnumerateObject())
        {
            if (p.Name == "#attributes")
                continue;
            // <Data Name="x">v</Data> lists, as some converters write EventData.
            if (p.Name == "Data" && p.Value.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in p.Value.EnumerateArray())
                    if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("#attributes", out var a) && a.TryGetProperty("Name", out var name)
                        && name.ValueKind == JsonValueKind.String)
                        Short(name.GetString()!, item.TryGetProperty("#text", out var t) ? Convert(t, 1) : SigmaValue.Null);
                continue;
            }
            Short(p.Name, Convert(p.Value, 1));
        }
    }

    void Short(string name, SigmaValue value)
    {
        // A short name with a dot reads like a path, and keyword search has always visited it as one.
        if (_fields.TryAdd(name, value) && name.Contains('.'))
            _values.Add(value);
    }
}
