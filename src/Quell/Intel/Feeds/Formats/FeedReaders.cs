namespace Quell.Intel.Feeds.Formats;

/// <summary>
/// The readers of this folder by format name, for the feed runtime (<c>POST /api/v1/feeds</c> checks the format,
/// a pull picks the reader). STIX and TAXII readers live with the STIX code and are added there.
/// </summary>
public static class FeedReaders
{
    public static IReadOnlyList<IFeedReader> All(TimeProvider time) =>
    [
        new MispFeedReader(),
        new MispInstanceReader(),
        new CsvFeedReader(),
        new FreetextReader(),
        new PhishTankReader(),
        new UrlhausReader(),
        new FeodoReader(),
        new ThreatFoxReader(time),
    ];
}
