using System.Text.Json;
using Quell.Observables;

namespace Quell.Intel.Indicators;

/// <summary>
/// A reported indicator checked and normalized, ready to be written: what <see cref="IndicatorStore"/> merges into the
/// row of its (type, value). Pure: built from an <see cref="IndicatorRecord"/> without the database.
/// </summary>
public sealed class PendingIndicator
{
    public const int MaxTags = 200;
    public const int MaxTagLength = 256;
    public const int MaxCommentLength = 4096;
    public const int MaxSourceRefLength = 1024;
    public const int MaxContextBytes = 16 * 1024;

    public required string Type { get; init; }
    public required string Value { get; init; }
    public required string Category { get; init; }
    public required bool ToIds { get; set; }
    public required Tlp Tlp { get; set; }
    /// <summary>False when <see cref="Tlp"/> is only the default: it then does not change an existing indicator's TLP.</summary>
    public bool TlpStated { get; set; }
    public int? Confidence { get; set; }
    public string? Comment { get; set; }
    /// <summary>The tags in report order; most feed lines bring none and then share the empty list (no object per line).</summary>
    public IReadOnlyList<string> Tags { get; private set; } = [];
    public long? FirstSeen { get; set; }
    public long? LastSeen { get; set; }
    public string? SourceRef { get; set; }
    public string? Context { get; set; }
    public IReadOnlyList<string> Warninglists { get; set; } = [];

    /// <summary>
    /// Normalizes <paramref name="r"/>: type known, value valid (<see cref="IndicatorNormalizer"/>), category allowed for
    /// the type (else the type's default), tags bounded and printable, TLP from the record, a <c>tlp:</c> tag or
    /// <paramref name="defaultTlp"/>. Null with <paramref name="error"/> when the record is refused.
    /// </summary>
    public static PendingIndicator? From(IndicatorRecord r, IReadOnlyList<string>? extraTags, string? defaultTlp, out string? error)
    {
        error = null;
        var value = r.Normalized ?? IndicatorNormalizer.Normalize(r.Type, r.Value, out error);
        if (value is null)
            return null;
        string category;
        if (r.Category is null)
            category = IndicatorTypes.DefaultCategory(r.Type);
        else if (IndicatorTypes.CategoryAllows(r.Category, r.Type))
            category = r.Category;
        else
        {
            error = IndicatorTypes.IsCategory(r.Category)
                ? $"category '{r.Category}' does not allow type {r.Type}"
                : $"'{IndicatorNormalizer.Printable(r.Category)}' is not a MISP category";
            return null;
        }
        List<string>? tags = null;
        // Most feed lines carry no tags at all (freetext, blocklists): no list, no set and no enumerators for them.
        if (r.Tags.Count + (r.Context?.Tags.Count ?? 0) + (extraTags?.Count ?? 0) > 0)
        {
            tags = [];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var tag in r.Tags.Concat(r.Context?.Tags ?? []).Concat(extraTags ?? []))
            {
                var t = tag.Trim();
                if (t.Length == 0)
                    continue;
                if (t.Length > MaxTagLength || t.Any(char.IsControl))
                {
                    error = $"tag '{IndicatorNormalizer.Printable(t)}' is longer than {MaxTagLength} characters or holds control characters";
                    return null;
                }
                if (seen.Add(t) && tags.Count < MaxTags)
                    tags.Add(t);
            }
        }
        Tlp tlp;
        var stated = true;
        if (r.Tlp is not null)
        {
            if (!TlpNames.TryParse(r.Tlp, out tlp))
            {
                error = $"TLP '{IndicatorNormalizer.Printable(r.Tlp)}' is not a TLP 2.0 name (CLEAR, GREEN, AMBER, AMBER+STRICT, RED)";
                return null;
            }
        }
        else if (tags is not null && TlpFromTags(tags) is { } tagged)
            tlp = tagged;
        else
        {
            stated = false;
            if (!TlpNames.TryParse(defaultTlp, out tlp))
                tlp = Tlp.Amber;
        }
        if (r.Confidence is < 0 or > 100)
        {
            error = $"confidence {r.Confidence} is outside 0-100";
            return null;
        }
        var comment = r.Comment?.Trim();
        if (comment is { Length: > MaxCommentLength })
            comment = comment[..MaxCommentLength];
        var sourceRef = r.SourceRef is { Length: > MaxSourceRefLength } ? r.SourceRef[..MaxSourceRefLength] : r.SourceRef;
        long? first = r.FirstSeen?.ToUnixTimeMilliseconds(), last = r.LastSeen?.ToUnixTimeMilliseconds();
        if (first > last)
            (first, last) = (last, first);
        return new PendingIndicator
        {
            Type = r.Type,
            Value = value,
            Category = category,
            ToIds = r.ToIds ?? IndicatorTypes.DefaultToIds(r.Type),
            Tlp = tlp,
            TlpStated = stated,
            Confidence = r.Confidence,
            Comment = string.IsNullOrEmpty(comment) ? null : comment,
            Tags = (IReadOnlyList<string>?)tags ?? [],
            FirstSeen = first,
            LastSeen = last,
            SourceRef = sourceRef,
            Context = ContextJson(r.Context),
        };
    }

    /// <summary>The strictest TLP among <c>tlp:</c> tags (MISP's taxonomy; <c>tlp:white</c> reads as CLEAR).</summary>
    public static Tlp? TlpFromTags(IEnumerable<string> tags)
    {
        Tlp? found = null;
        foreach (var t in tags)
            if (t.StartsWith("tlp:", StringComparison.OrdinalIgnoreCase) && TlpNames.TryParse(t, out var tlp) && (found is null || tlp > found))
                found = tlp;
        return found;
    }

    /// <summary>The event context as stored on the source link, bounded so one huge event cannot bloat every row.</summary>
    static string? ContextJson(IndicatorContext? c)
    {
        if (c is null || (c.Uuid is null && c.Info is null && c.Tags.Count == 0 && c.Galaxies.Count == 0))
            return null;
        var info = c.Info is { Length: > 1024 } ? c.Info[..1024] : c.Info;
        var json = JsonSerializer.Serialize(new StoredContext(c.Uuid, info, c.Date?.ToUnixTimeMilliseconds(), c.Tags.Take(50).ToArray(), c.Galaxies.Take(50).ToArray()), IndicatorJson.Options);
        return json.Length <= MaxContextBytes ? json : JsonSerializer.Serialize(new StoredContext(c.Uuid, info, c.Date?.ToUnixTimeMilliseconds(), [], []), IndicatorJson.Options);
    }

    /// <summary>Folds a second report of the same (type, value) in one batch into this one.</summary>
    public void Absorb(PendingIndicator other)
    {
        if (other.Tags.Count > 0)
        {
            // The list is this indicator's own unless it is the shared empty one.
            var tags = Tags as List<string> ?? [.. Tags];
            foreach (var t in other.Tags)
                if (!tags.Contains(t) && tags.Count < MaxTags)
                    tags.Add(t);
            Tags = tags;
        }
        FirstSeen = Min(FirstSeen, other.FirstSeen);
        LastSeen = Max(LastSeen, other.LastSeen);
        ToIds |= other.ToIds;
        if (other.TlpStated && (!TlpStated || other.Tlp > Tlp))
        {
            Tlp = other.Tlp;
            TlpStated = true;
        }
        Confidence = Max(Confidence, other.Confidence);
        Comment ??= other.Comment;
        SourceRef = other.SourceRef ?? SourceRef;
        Context = other.Context ?? Context;
    }

    internal static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
    internal static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
    internal static int? Max(int? a, int? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}

/// <summary>Event context on a source link: MISP event uuid, info, date, tags and galaxies.</summary>
public sealed record StoredContext(string? Uuid, string? Info, long? Date, string[] Tags, string[] Galaxies);
