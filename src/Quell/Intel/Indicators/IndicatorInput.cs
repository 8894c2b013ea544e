using System.Text.Json;
using Quell.Http;
using Quell.Observables;

namespace Quell.Intel.Indicators;

/// <summary>
/// The body of <c>POST /api/v1/indicators</c> and <c>PATCH /api/v1/indicators/{id}</c>, checked field by field so
/// that every error names its field. On PATCH, only the fields present change; type and value never change.
/// </summary>
public sealed class IndicatorInput
{
    public string? Type { get; init; }
    public string? Value { get; init; }
    public string[]? Tags { get; init; }
    public Tlp? Tlp { get; init; }
    public string? Source { get; init; }
    public string? Category { get; init; }
    public bool? ToIds { get; init; }
    public string? Comment { get; init; }
    public int? Confidence { get; init; }
    public long? FirstSeen { get; init; }
    public long? LastSeen { get; init; }
    public bool HasComment { get; init; }
    public bool HasConfidence { get; init; }

    public static IndicatorInput? Parse(JsonElement body, InputErrors errors, bool patch)
    {
        var f = JsonFields.ForObject(body, errors);
        if (f is null)
            return null;
        if (patch && (f.Has("type") || f.Has("value")))
            errors.Add(f.Has("type") ? "type" : "value", "the type and value of an indicator cannot change; create another indicator");
        var type = patch ? null : f.String("type", required: true, maxLength: 64);
        if (type is not null && !IndicatorTypes.IsKnown(type))
            errors.Add("type", $"'{IndicatorNormalizer.Printable(type)}' is not a MISP attribute type (see describeTypes)");
        // The limit per type is the normalizer's; this one only bounds what is read.
        var value = patch ? null : f.String("value", required: true, maxLength: IndicatorNormalizer.MaxRuleLength);
        var tags = f.Strings("tags", PendingIndicator.MaxTags, PendingIndicator.MaxTagLength);
        if (tags?.FirstOrDefault(t => t.Any(char.IsControl)) is { } badTag)
            errors.Add("tags", $"tag '{IndicatorNormalizer.Printable(badTag)}' holds control characters");
        var tlp = TlpNames.Read(f, "tlp");
        var source = f.String("source", maxLength: 256);
        var category = f.String("category", maxLength: 64);
        if (category is not null)
        {
            if (!IndicatorTypes.IsCategory(category))
                errors.Add("category", $"'{IndicatorNormalizer.Printable(category)}' is not a MISP category");
            else if (type is not null && IndicatorTypes.IsKnown(type) && !IndicatorTypes.CategoryAllows(category, type))
                errors.Add("category", $"category '{category}' does not allow type {type}");
        }
        var comment = f.String("comment", maxLength: PendingIndicator.MaxCommentLength, allowEmpty: true);
        var confidence = f.Int("confidence", 0, 100);
        var firstSeen = f.Time("firstSeen");
        var lastSeen = f.Time("lastSeen");
        if (firstSeen > lastSeen)
            errors.Add("lastSeen", "lastSeen must not be before firstSeen");
        string? normalizedError = null;
        if (type is not null && IndicatorTypes.IsKnown(type) && value is not null && IndicatorNormalizer.Normalize(type, value, out normalizedError) is null)
            errors.Add("value", normalizedError!);
        return new IndicatorInput
        {
            Type = type,
            Value = value,
            Tags = tags,
            Tlp = tlp,
            Source = source,
            Category = category,
            ToIds = f.Bool("toIds"),
            Comment = comment,
            HasComment = body.TryGetProperty("comment", out _),
            Confidence = confidence,
            HasConfidence = body.TryGetProperty("confidence", out _),
            FirstSeen = firstSeen,
            LastSeen = lastSeen,
        };
    }

    public IndicatorRecord ToRecord() => new()
    {
        Type = Type!,
        Value = Value!,
        Category = Category,
        ToIds = ToIds,
        Tags = Tags ?? [],
        Comment = Comment,
        Confidence = Confidence,
        Tlp = Tlp is { } t ? TlpNames.Name(t) : null,
        FirstSeen = IndicatorView.Time(FirstSeen),
        LastSeen = IndicatorView.Time(LastSeen),
    };
}
