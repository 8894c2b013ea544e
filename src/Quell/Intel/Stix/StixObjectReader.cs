using System.Globalization;
using System.Text.Json;
using Quell.Intel.Feeds;
using Quell.Observables;

namespace Quell.Intel.Stix;

/// <summary>
/// Turns the STIX objects of one bundle or TAXII collection into indicator records. Each <c>indicator</c> yields
/// the typed indicators its pattern states (<see cref="PatternMapper"/>), or the pattern kept whole as a
/// <c>stix2-pattern</c>; its name and description become the comment, labels and indicator_types the tags,
/// valid_from/valid_until first and last seen, object_marking_refs the TLP, the id the source reference; the
/// report that lists it and the identity that created it become its context. Other objects give context only.
/// </summary>
public static class StixObjectReader
{
    /// <summary>Longer names and descriptions are cut: a comment is for people, not a document store.</summary>
    public const int MaxCommentLength = 4096;

    /// <summary>Pattern languages kept as MISP types of the same name.</summary>
    static readonly HashSet<string> OtherPatternTypes = ["yara", "sigma", "snort", "suricata"];

    public static IEnumerable<FeedEntry> Read(IReadOnlyList<JsonElement> objects)
    {
        var identities = new Dictionary<string, string>(StringComparer.Ordinal);
        var markings = new Dictionary<string, Tlp>(StringComparer.Ordinal);
        var reports = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var o in objects)
        {
            if (o.ValueKind != JsonValueKind.Object || Str(o, "id") is not { } id)
                continue;
            switch (Str(o, "type"))
            {
                case "identity" when Str(o, "name") is { } name:
                    identities[id] = name;
                    break;
                case "marking-definition" when StixTlp.FromDefinition(o) is { } tlp:
                    markings[id] = tlp;
                    break;
                case "report" when o.TryGetProperty("object_refs", out var refs) && refs.ValueKind == JsonValueKind.Array:
                    foreach (var r in refs.EnumerateArray())
                        if (r.ValueKind == JsonValueKind.String)
                            reports.TryAdd(r.GetString()!, o);
                    break;
            }
        }

        for (var i = 0; i < objects.Count; i++)
        {
            var o = objects[i];
            var where = $"objects[{i.ToString(CultureInfo.InvariantCulture)}]";
            if (o.ValueKind != JsonValueKind.Object)
            {
                yield return FeedEntry.Fail(where, "a STIX object is a JSON object");
                continue;
            }
            if (Str(o, "type") != "indicator")
                continue;
            if (Str(o, "id") is not { } id)
            {
                yield return FeedEntry.Fail(where, "the indicator has no id");
                continue;
            }
            where = IndicatorNormalizer.Printable(id);
            foreach (var entry in Indicator(o, id, where, identities, markings, reports))
                yield return entry;
        }
    }

    static IEnumerable<FeedEntry> Indicator(JsonElement o, string id, string where, Dictionary<string, string> identities,
        Dictionary<string, Tlp> markings, Dictionary<string, JsonElement> reports)
    {
        if (Str(o, "pattern") is not { } pattern)
        {
            yield return FeedEntry.Fail(where, "the indicator has no pattern");
            yield break;
        }
        var patternType = Str(o, "pattern_type") ?? "stix";
        List<(string Type, string Value)> values;
        if (patternType == "stix")
        {
            var ast = PatternParser.TryParse(pattern, out var error);
            if (ast is null)
            {
                yield return FeedEntry.Fail(where, error!.Message);
                yield break;
            }
            values = PatternMapper.Map(ast) is { } mapped ? [.. mapped] : [("stix2-pattern", pattern)];
        }
        else if (OtherPatternTypes.Contains(patternType))
            values = [(patternType, pattern)];
        else
        {
            yield return FeedEntry.Fail(where, $"pattern_type '{IndicatorNormalizer.Printable(patternType)}' is not read (stix, yara, sigma, snort and suricata are)");
            yield break;
        }

        var tags = new List<string>();
        foreach (var list in new[] { "labels", "indicator_types" })
            if (o.TryGetProperty(list, out var arr) && arr.ValueKind == JsonValueKind.Array)
                foreach (var t in arr.EnumerateArray())
                    if (t.ValueKind == JsonValueKind.String && t.GetString() is { Length: > 0 } s && !tags.Contains(s))
                        tags.Add(s);

        Tlp? tlp = null;
        if (o.TryGetProperty("object_marking_refs", out var marks) && marks.ValueKind == JsonValueKind.Array)
            foreach (var m in marks.EnumerateArray())
                if (m.ValueKind == JsonValueKind.String && (StixTlp.FromId(m.GetString()!) ?? (markings.TryGetValue(m.GetString()!, out var t) ? t : null)) is { } level)
                    tlp = tlp is null || level > tlp ? level : tlp; // several TLP markings: the strictest holds

        int? confidence = o.TryGetProperty("confidence", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var ci) && ci is >= 0 and <= 100 ? ci : null;

        var record = new IndicatorRecord
        {
            Type = "",
            Value = "",
            Tags = tags,
            Comment = Comment(Str(o, "name"), Str(o, "description")),
            FirstSeen = Time(o, "valid_from"),
            LastSeen = Time(o, "valid_until"),
            Confidence = confidence,
            Tlp = tlp is { } level2 ? TlpNames.Name(level2) : null,
            SourceRef = id,
            Context = Context(o, id, identities, reports),
        };
        foreach (var (type, value) in values)
            yield return FeedEntry.Of(record with { Type = type, Value = value });
    }

    static IndicatorContext? Context(JsonElement o, string id, Dictionary<string, string> identities, Dictionary<string, JsonElement> reports)
    {
        var creator = Str(o, "created_by_ref") is { } by && identities.TryGetValue(by, out var name) ? name : null;
        var creatorTags = creator is null ? [] : new[] { $"stix:created-by=\"{creator.Replace("\"", "'", StringComparison.Ordinal)}\"" };
        if (reports.TryGetValue(id, out var report))
        {
            var labels = report.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Array
                ? l.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!)
                : [];
            return new IndicatorContext
            {
                Uuid = Str(report, "id"),
                Info = Cut(Str(report, "name")),
                Date = Time(report, "published"),
                Tags = [.. labels, .. creatorTags],
            };
        }
        return creator is null ? null : new IndicatorContext { Info = Cut(creator), Tags = creatorTags };
    }

    static string? Comment(string? name, string? description) =>
        Cut(name is null ? description : description is null ? name : name + " — " + description);

    static string? Cut(string? s) => s is { Length: > MaxCommentLength } ? s[..MaxCommentLength] + "…" : s;

    static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    static DateTimeOffset? Time(JsonElement o, string name) =>
        Str(o, name) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;
}
