namespace Quell.Intel.Feeds.Catalogue;

/// <summary>
/// A well-known public feed an admin can enable with one click: what <c>POST /api/v1/feeds</c> needs (name, format,
/// url, options) plus what the admin should see first (provider, whether MISP proposes it by default, the provider's
/// page for its terms of use).
/// </summary>
/// <param name="Id">Stable across releases while the feed's URL stays: a slug of the name and a digest of the URL.</param>
/// <param name="Format">One of our format names (misp, freetext, csv, phishtank, urlhaus, feodo).</param>
/// <param name="Options">Reader options (csv: value column(s) and delimiter, as MISP's settings give them).</param>
/// <param name="DefaultEnabled">MISP marks it as a default feed (the CIRCL and Botvrij.eu OSINT feeds).</param>
/// <param name="EnabledInMisp">Whether MISP's catalogue enables it when its default feeds are loaded.</param>
/// <param name="Terms">Terms of use or licence, when known; otherwise see <paramref name="TermsUrl"/>.</param>
/// <param name="TermsUrl">The provider's page, where its terms of use are.</param>
/// <param name="Tags">Tags MISP puts on the feed's indicators (<c>osint:source-type="block-or-filter-list"</c>).</param>
public sealed record FeedCatalogueEntry(
    string Id,
    string Name,
    string Provider,
    string Url,
    string Format,
    IReadOnlyDictionary<string, string> Options,
    bool DefaultEnabled,
    bool EnabledInMisp,
    string? Terms,
    string TermsUrl,
    IReadOnlyList<string> Tags);
