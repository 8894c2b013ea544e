namespace Quell.Intel.Feeds.Formats;

/// <summary>Option values shared by several readers, read the same way everywhere.</summary>
internal static class FeedOptions
{
    /// <summary>Option <c>addTags</c> (every reader): comma-separated tags put on every indicator of the feed.</summary>
    public static IReadOnlyList<string> Tags(FeedRequest request) =>
        request.Option("addTags") is { } tags ? SplitTags(tags, ',') : [];

    /// <summary>The fixed tags followed by the item's own, without duplicates.</summary>
    public static IReadOnlyList<string> Merge(IReadOnlyList<string> fixedTags, IEnumerable<string> own) =>
        [.. fixedTags.Concat(own).Distinct(StringComparer.Ordinal)];

    /// <summary>Tags from a list in one field: trimmed, empty ones dropped, control characters refused.</summary>
    public static string[] SplitTags(string text, char separator) =>
        [.. text.Split(separator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(t => t.Length <= 256 && !t.Any(char.IsControl)).Distinct(StringComparer.Ordinal)];
}
