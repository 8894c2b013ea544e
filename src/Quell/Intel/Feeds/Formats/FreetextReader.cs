using System.Runtime.CompilerServices;

namespace Quell.Intel.Feeds.Formats;

/// <summary>
/// <c>freetext</c>: one value per line (OpenPhish's feed.txt, plain blocklists), the type guessed by
/// <see cref="TypeDetector"/>. Blank lines and lines starting with <c>#</c> are skipped; a value may be followed by
/// a <c>#</c> comment after whitespace. Option <c>type</c> fixes the type instead of guessing (e.g. a list of
/// <c>ip-src</c>); option <c>addTags</c> (comma-separated) tags every indicator.
/// </summary>
public sealed class FreetextReader : IFeedReader
{
    public string Format => "freetext";

    public async IAsyncEnumerable<FeedEntry> ReadAsync(FeedRequest request, IFeedFetcher fetcher, [EnumeratorCancellation] CancellationToken ct)
    {
        var fixedType = request.Option("type");
        if (fixedType is not null && !IndicatorTypes.IsKnown(fixedType))
            throw new FeedFormatException($"option type '{IndicatorNormalizer.Printable(fixedType)}' is not a MISP attribute type");
        var tags = FeedOptions.Tags(request);
        await using var doc = await fetcher.GetAsync(request.Url, null, ct);
        if (doc.NotModified)
            yield break;
        await foreach (var line in BoundedLines.ReadAsync(doc.Body, ct))
        {
            if (line.TooLong)
            {
                yield return FeedEntry.Fail($"line {line.Number}", $"the line is longer than {BoundedLines.MaxLine} bytes");
                continue;
            }
            var text = StripComment(line.Text);
            if (text.Length == 0)
                continue;
            if (fixedType is not null)
            {
                if (IndicatorNormalizer.Normalize(fixedType, text, out var error) is not { } fixedNormalized)
                    yield return FeedEntry.Fail($"line {line.Number}", $"'{IndicatorNormalizer.Printable(text)}': {error}");
                else
                    yield return FeedEntry.Of(new IndicatorRecord { Type = fixedType, Value = text, Tags = tags, Normalized = fixedNormalized });
                continue;
            }
            if (IndicatorNormalizer.HasControl(text))
            {
                yield return FeedEntry.Fail($"line {line.Number}", $"'{IndicatorNormalizer.Printable(text)}' contains control characters");
                continue;
            }
            if (TypeDetector.Detect(text, out var normalized) is not { } detected)
            {
                yield return FeedEntry.Fail($"line {line.Number}", $"'{IndicatorNormalizer.Printable(text)}' is not a recognizable indicator (address, domain, URL, hash, e-mail, ...)");
                continue;
            }
            yield return FeedEntry.Of(new IndicatorRecord { Type = detected.Type, Value = detected.Value, Tags = tags, Normalized = normalized });
        }
    }

    /// <summary>The value without surrounding blanks and without a trailing "# comment" (a '#' inside a URL fragment is kept).</summary>
    static string StripComment(string line)
    {
        var text = line.Trim();
        if (text.StartsWith('#'))
            return "";
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i] == '#' && char.IsWhiteSpace(text[i - 1]))
                return text[..i].TrimEnd();
        }
        return text;
    }
}
