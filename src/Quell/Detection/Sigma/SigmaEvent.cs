using System.Globalization;

namespace Quell.Detection.Sigma;

/// <summary>What the engine reads an event through; implementations decide how Sigma field names are resolved.</summary>
public interface ISigmaEvent
{
    /// <summary>The log source the event comes from, used to pick the rules that apply to it.</summary>
    SigmaEventLogsource Logsource { get; }

    /// <summary>The value of a Sigma field (e.g. <c>CommandLine</c>); false when the event has no such field.</summary>
    bool TryGetValue(string field, out SigmaValue value);

    /// <summary>
    /// <see cref="TryGetValue"/> for a compiled field test, which also knows the name's <see cref="SigmaFieldIds"/> id:
    /// the matcher answers it from the fields it already resolved for the prefilter (decision 212).
    /// </summary>
    internal bool TryGetField(int id, string field, out SigmaValue value) => TryGetValue(field, out value);

    /// <summary>Every scalar value of the event, for keyword (field-less) detections.</summary>
    IEnumerable<SigmaValue> AllValues { get; }

    /// <summary>
    /// The fields by the names <see cref="TryGetValue"/> finds first, compared case-insensitively; a name not among
    /// them is found through <see cref="SigmaFieldAliases.For"/> in its order. The prefilter resolves the fields it
    /// indexes by walking these once, instead of asking for each of its hundreds of fields (decision 186).
    /// </summary>
    IReadOnlyDictionary<string, SigmaValue> Fields { get; }
}

public enum SigmaValueKind
{
    Null,
    String,
    Number,
    Boolean,
    Array,
    Object,
}

/// <summary>One field value: scalars as their text (numbers in their JSON spelling), arrays as items.</summary>
public readonly record struct SigmaValue(SigmaValueKind Kind, string Text, SigmaValue[]? Items = null)
{
    public static readonly SigmaValue Null = new(SigmaValueKind.Null, "");

    public static SigmaValue Of(string text) => new(SigmaValueKind.String, text);

    public bool IsScalar => Kind is SigmaValueKind.String or SigmaValueKind.Number or SigmaValueKind.Boolean;

    public bool TryGetNumber(out double number) =>
        double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out number);
}

/// <summary>
/// The log source of an event. A null attribute is unknown (every rule's value is accepted); an empty service or an
/// empty category list is known to be none (a Windows event from an unmapped channel matches no service rule).
/// </summary>
public sealed record SigmaEventLogsource(string? Product, string? Service, IReadOnlyList<string>? Categories)
{
    public static readonly SigmaEventLogsource Unknown = new(null, null, null);

    public string Key { get; } = $"{Product ?? "?"}|{Service ?? "?"}|{(Categories is null ? "?" : string.Join(',', Categories))}";

    /// <summary>Whether a rule with this logsource applies to events from here.</summary>
    public bool Accepts(SigmaLogsource rule) =>
        (rule.Product is null || Product is null || string.Equals(rule.Product, Product, StringComparison.OrdinalIgnoreCase))
        && (rule.Service is null || Service is null || string.Equals(rule.Service, Service, StringComparison.OrdinalIgnoreCase))
        && (rule.Category is null || Categories is null || Categories.Contains(rule.Category, StringComparer.OrdinalIgnoreCase));

    /// <summary>Whether a rule names a log source attribute that is unknown here (it is accepted without knowing it applies).</summary>
    public bool AcceptsUnknowing(SigmaLogsource rule) =>
        rule.Product is not null && Product is null || rule.Service is not null && Service is null
        || rule.Category is not null && Categories is null;
}
