using System.Globalization;
using Quell.Detection.Sigma;
using Quell.Events;

namespace Quell.Detection;

/// <summary>
/// A normalized event (flattened dotted fields, original and ECS names) as the Sigma engine reads it, straight from
/// its field dictionary. It resolves names exactly as <see cref="JsonSigmaEvent"/> does over the stored fields JSON
/// (<see cref="EventJson.Serialize"/>): case-insensitively, first spelling wins, U+0000 cleaned, numbers in their JSON
/// spelling. Detection at ingest once serialized every event and parsed it back for the engine; that round trip cost
/// more than the matching itself (docs/benchmarks.md, event ingest). One view can be <see cref="Reset"/> to the next
/// event of a batch, so its table is allocated once per batch rather than once per event (decision 198).
/// </summary>
public sealed class NormalizedSigmaEvent : ISigmaEvent
{
    readonly Dictionary<string, SigmaValue> _fields = new(32, StringComparer.OrdinalIgnoreCase);
    readonly Func<string, string?> _scalar;

    public NormalizedSigmaEvent(IReadOnlyDictionary<string, object?> fields)
        : this() => Reset(fields);

    /// <summary>An empty view, for <see cref="Reset"/>.</summary>
    public NormalizedSigmaEvent() => _scalar = name => TryGetValue(name, out var v) && v.IsScalar ? v.Text : null;

    /// <summary>Makes this the view of another event; what was read from the previous one must not be kept.</summary>
    public NormalizedSigmaEvent Reset(IReadOnlyDictionary<string, object?> fields)
    {
        _fields.Clear();
        foreach (var (name, value) in fields)
            _fields.TryAdd(EventJson.Clean(name), Convert(value));
        Logsource = SigmaLogsources.Derive(_scalar);
        return this;
    }

    public SigmaEventLogsource Logsource { get; private set; } = SigmaEventLogsource.Unknown;

    public IEnumerable<SigmaValue> AllValues => _fields.Values;

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

    /// <summary>The value as the engine would read it back from <see cref="EventJson.Write"/>'s JSON.</summary>
    static SigmaValue Convert(object? value) => value switch
    {
        null => SigmaValue.Null,
        string s => new SigmaValue(SigmaValueKind.String, EventJson.Clean(s)),
        long l => new SigmaValue(SigmaValueKind.Number, l.ToString(CultureInfo.InvariantCulture)),
        int i => new SigmaValue(SigmaValueKind.Number, i.ToString(CultureInfo.InvariantCulture)),
        double d when double.IsFinite(d) => new SigmaValue(SigmaValueKind.Number, d.ToString(CultureInfo.InvariantCulture)),
        double d => new SigmaValue(SigmaValueKind.String, d.ToString(CultureInfo.InvariantCulture)),
        bool b => new SigmaValue(SigmaValueKind.Boolean, b ? "true" : "false"),
        IEnumerable<object?> list => new SigmaValue(SigmaValueKind.Array, "", [.. list.Select(Convert)]),
        _ => new SigmaValue(SigmaValueKind.String, EventJson.Clean(System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")),
    };
}
