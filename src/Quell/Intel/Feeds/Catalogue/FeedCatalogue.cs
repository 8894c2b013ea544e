using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Quell.Intel.Feeds.Formats;

namespace Quell.Intel.Feeds.Catalogue;

/// <summary>
/// The catalogue of well-known public feeds, read from MISP's feed metadata (<c>default-feeds.json</c>: an array of
/// <c>{"Feed": {name, provider, url, source_format, enabled, default, settings}, "Tag": {name}}</c>). MISP's formats map
/// to ours: <c>misp</c> → misp, <c>freetext</c> → freetext, <c>csv</c> → csv with MISP's value column(s) and delimiter;
/// feeds we have a dedicated reader for (PhishTank, Feodo Tracker, URLhaus CSV) use it. Pure: no I/O but the stream.
/// </summary>
public sealed class FeedCatalogue
{
    const string ResourceName = "Quell.Intel.Feeds.Catalogue.catalogue.json";

    static readonly Lazy<FeedCatalogue> Embedded = new(() =>
    {
        using var stream = typeof(FeedCatalogue).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing from the build");
        return Load(stream);
    });

    /// <summary>Feeds whose files our dedicated readers understand better than MISP's column settings.</summary>
    static readonly (string UrlPrefix, string Format)[] Dedicated =
    [
        ("https://data.phishtank.com/data/online-valid.csv", "phishtank"),
        ("https://data.phishtank.com/data/online-valid.json", "phishtank"),
        ("https://feodotracker.abuse.ch/downloads/ipblocklist", "feodo"),
        ("https://urlhaus.abuse.ch/downloads/csv", "urlhaus"),
    ];

    public IReadOnlyList<FeedCatalogueEntry> Entries { get; }

    /// <summary>Catalogue items that could not be read (where, why); the others are in <see cref="Entries"/>.</summary>
    public IReadOnlyList<FeedItemError> Errors { get; }

    FeedCatalogue(IReadOnlyList<FeedCatalogueEntry> entries, IReadOnlyList<FeedItemError> errors)
    {
        Entries = entries;
        Errors = errors;
    }

    /// <summary>
    /// The catalogue shipped with Quell: our own list of well-known public feeds with their terms, in MISP's format.
    /// MISP's <c>defaults.json</c> is AGPL-licensed and is not shipped; an admin loads it with <see cref="Load"/>.
    /// </summary>
    public static FeedCatalogue Default => Embedded.Value;

    public FeedCatalogueEntry? Find(string id) => Entries.FirstOrDefault(e => e.Id == id);

    /// <summary>Reads a catalogue in MISP's feed metadata format; a file that is not one throws <see cref="FeedFormatException"/>.</summary>
    public static FeedCatalogue Load(Stream json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = JsonDocuments.MaxDepth });
        }
        catch (JsonException e)
        {
            throw new FeedFormatException($"the feed catalogue is not valid JSON: {IndicatorNormalizer.Printable(e.Message)}", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                throw new FeedFormatException("the feed catalogue is a JSON array of {\"Feed\": {...}} items (MISP's feed metadata)");
            var entries = new List<FeedCatalogueEntry>();
            var errors = new List<FeedItemError>();
            var index = 0;
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                var where = $"catalogue item {index++}";
                if (Entry(item, out var error) is { } entry)
                {
                    if (entries.Any(e => e.Id == entry.Id || e.Url == entry.Url))
                        errors.Add(new FeedItemError(where, $"'{IndicatorNormalizer.Printable(entry.Url)}' is listed twice"));
                    else
                        entries.Add(entry);
                }
                else
                {
                    errors.Add(new FeedItemError(where, error!));
                }
            }
            return new FeedCatalogue(entries, errors);
        }
    }

    static FeedCatalogueEntry? Entry(JsonElement item, out string? error)
    {
        error = null;
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("Feed", out var feed) || feed.ValueKind != JsonValueKind.Object)
        {
            error = "an item is {\"Feed\": {...}}";
            return null;
        }
        var name = feed.Text("name");
        var url = feed.Text("url");
        var sourceFormat = feed.Text("source_format");
        if (string.IsNullOrWhiteSpace(name) || string.IsNullOrWhiteSpace(url) || sourceFormat is null)
        {
            error = "a feed has a name, a url and a source_format";
            return null;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            error = $"'{IndicatorNormalizer.Printable(url)}' is not an http(s) URL";
            return null;
        }
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var dedicated = Dedicated.FirstOrDefault(d => url.StartsWith(d.UrlPrefix, StringComparison.OrdinalIgnoreCase)).Format;
        string format;
        switch (sourceFormat)
        {
            case "misp":
                format = "misp";
                break;
            case "freetext":
                format = dedicated ?? "freetext";
                break;
            case "csv":
                format = dedicated ?? "csv";
                if (dedicated is null && CsvSettings(feed) is var (value, delimiter))
                {
                    options["value"] = value;
                    if (delimiter is not null)
                        options["delimiter"] = delimiter;
                }
                break;
            default:
                error = $"source_format '{IndicatorNormalizer.Printable(sourceFormat)}' is not one we read (misp, freetext, csv)";
                return null;
        }
        var tag = item.TryGetProperty("Tag", out var t) ? t.Text("name") : null;
        return new FeedCatalogueEntry(
            Id: Slug(name) + "-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)))[..8],
            Name: name,
            Provider: feed.Text("provider") ?? uri.Host,
            Url: url,
            Format: format,
            Options: options,
            DefaultEnabled: feed.Flag("default") == true,
            EnabledInMisp: feed.Flag("enabled") == true,
            Terms: feed.Text("terms"),
            TermsUrl: feed.Text("terms_url") ?? uri.GetLeftPart(UriPartial.Authority) + "/",
            Tags: tag is null ? [] : [tag]);
    }

    /// <summary>
    /// MISP's CSV settings: <c>{"csv": {"value": "3,4", "delimiter": ";"}}</c>, as an object or as a JSON string (some
    /// entries encode it twice). An empty value means the first column, an empty delimiter a comma.
    /// </summary>
    static (string Value, string? Delimiter)? CsvSettings(JsonElement feed)
    {
        if (!feed.TryGetProperty("settings", out var settings))
            return null;
        for (var i = 0; i < 3 && settings.ValueKind == JsonValueKind.String; i++)
        {
            try
            {
                settings = JsonDocument.Parse(settings.GetString()!).RootElement.Clone();
            }
            catch (JsonException)
            {
                return null;
            }
        }
        if (settings.ValueKind != JsonValueKind.Object || !settings.TryGetProperty("csv", out var csv))
            return null;
        var value = csv.Text("value");
        var delimiter = csv.Text("delimiter");
        return (string.IsNullOrWhiteSpace(value) ? "1" : value.Replace(" ", "", StringComparison.Ordinal),
            string.IsNullOrEmpty(delimiter) || delimiter == "," ? null : delimiter == "\t" ? "tab" : delimiter);
    }

    static string Slug(string name)
    {
        var sb = new StringBuilder();
        foreach (var c in name.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
                sb.Append(c);
            else if (sb.Length > 0 && sb[^1] != '-')
                sb.Append('-');
            if (sb.Length >= 48)
                break;
        }
        return sb.ToString().Trim('-');
    }
}
