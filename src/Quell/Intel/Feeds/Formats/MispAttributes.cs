using System.Globalization;
using System.Text.Json;

namespace Quell.Intel.Feeds.Formats;

/// <summary>
/// MISP event and attribute JSON → indicator records, shared by the <c>misp</c> feed reader and the
/// <c>misp-instance</c> restSearch reader. Attributes and object attributes become records with their category,
/// to_ids, comment, first/last seen, attribute tags and galaxies plus the event's tags, and the event as context
/// (uuid, info, date, tags, galaxy clusters as <c>misp-galaxy:</c> tags). Deleted attributes are skipped; an unknown
/// type or a value its type refuses is an item error naming the attribute.
/// </summary>
internal static class MispAttributes
{
    /// <summary>Every attribute of one event (a MISP event object, without the <c>Event</c> wrapper).</summary>
    public static List<FeedEntry> FromEvent(JsonElement ev, IReadOnlyList<string> fixedTags)
    {
        var context = Context(ev);
        var entries = new List<FeedEntry>();
        var eventTags = FeedOptions.Merge(fixedTags, context.Tags);
        foreach (var attribute in ev.Items("Attribute"))
            Add(attribute, null);
        foreach (var obj in ev.Items("Object"))
        {
            if (obj.Flag("deleted") == true)
                continue;
            foreach (var attribute in obj.Items("Attribute"))
                Add(attribute, obj.Text("name"));
        }
        return entries;

        void Add(JsonElement attribute, string? objectName)
        {
            if (From(attribute, eventTags, context, objectName) is { } entry)
                entries.Add(entry);
        }
    }

    /// <summary>One attribute as a record, an item error, or null for a deleted attribute.</summary>
    public static FeedEntry? From(JsonElement a, IReadOnlyList<string> inheritedTags, IndicatorContext? context, string? objectName = null)
    {
        if (a.Flag("deleted") == true)
            return null;
        var uuid = a.Text("uuid");
        var where = "attribute " + (uuid is null ? a.Text("id") ?? "without uuid" : IndicatorNormalizer.Printable(uuid))
            + (context?.Uuid is { } ev ? $" of event {IndicatorNormalizer.Printable(ev)}" : "")
            + (objectName is null ? "" : $" (object {IndicatorNormalizer.Printable(objectName)})");
        if (a.ValueKind != JsonValueKind.Object)
            return FeedEntry.Fail(where, "an attribute is a JSON object");
        var type = a.Text("type");
        if (type is null)
            return FeedEntry.Fail(where, "the attribute has no type");
        if (!IndicatorTypes.IsKnown(type))
            return FeedEntry.Fail(where, $"'{IndicatorNormalizer.Printable(type)}' is not a MISP attribute type");
        var value = a.Text("value");
        if (value is null)
            return FeedEntry.Fail(where, "the attribute has no value");
        if (FeedValues.Check(type, value) is { } error)
            return FeedEntry.Fail(where, error);
        if (!FeedValues.TryTime(a.Text("first_seen"), out var firstSeen) || !FeedValues.TryTime(a.Text("last_seen"), out var lastSeen))
            return FeedEntry.Fail(where, "first_seen or last_seen is not a date and time");
        var category = a.Text("category");
        var comment = a.Text("comment");
        return FeedEntry.Of(new IndicatorRecord
        {
            Type = type,
            Value = value,
            Category = category is not null && IndicatorTypes.IsCategory(category) ? category : null,
            ToIds = a.Flag("to_ids"),
            Comment = string.IsNullOrWhiteSpace(comment) ? null : comment,
            FirstSeen = firstSeen,
            LastSeen = lastSeen,
            Tags = FeedOptions.Merge(inheritedTags, TagNames(a).Concat(GalaxyTags(a))),
            SourceRef = uuid,
            Context = context,
        });
    }

    /// <summary>The event as context of its attributes; galaxy clusters as machine tags.</summary>
    public static IndicatorContext Context(JsonElement ev)
    {
        DateTimeOffset? date = DateTimeOffset.TryParseExact(ev.Text("date"), "yyyy-MM-dd", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d) ? d : null;
        var tags = TagNames(ev).ToList();
        return new IndicatorContext
        {
            Uuid = ev.Text("uuid"),
            Info = ev.Text("info"),
            Date = date,
            Tags = tags,
            Galaxies = [.. GalaxyTags(ev).Concat(tags.Where(t => t.StartsWith("misp-galaxy:", StringComparison.Ordinal))).Distinct(StringComparer.Ordinal)],
        };
    }

    static IEnumerable<string> TagNames(JsonElement e) =>
        e.Items("Tag").Select(t => t.ValueKind == JsonValueKind.String ? t.GetString() : t.Text("name"))
            .Where(n => !string.IsNullOrWhiteSpace(n) && n.Length <= 256 && !n.Any(char.IsControl))!;

    static IEnumerable<string> GalaxyTags(JsonElement e) =>
        e.Items("Galaxy").SelectMany(g => g.Items("GalaxyCluster"))
            .Select(c => c.Text("tag_name") ?? (c.Text("type") is { } t && c.Text("value") is { } v ? $"misp-galaxy:{t}=\"{v}\"" : null))
            .Where(n => !string.IsNullOrWhiteSpace(n) && n.Length <= 256 && !n.Any(char.IsControl))!;
}
