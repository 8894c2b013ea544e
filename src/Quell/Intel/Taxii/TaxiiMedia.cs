using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Quell.Intel.Taxii;

/// <summary>The media types of TAXII 2.1 and the checks of Accept and Content-Type that decide 406 and 415.</summary>
public static class TaxiiMedia
{
    public const string Taxii = "application/taxii+json;version=2.1";
    public const string Stix = "application/stix+json;version=2.1";

    /// <summary>
    /// JSON as STIX and TAXII documents are usually written: quotes in patterns and '+' in media types stay as they are
    /// (the default encoder writes \u0027 and \u002B for HTML's sake; these answers are never HTML).
    /// </summary>
    public static readonly System.Text.Json.JsonWriterOptions Writer = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// A request may take a TAXII 2.1 answer: no Accept header, or a range with q &gt; 0 that covers
    /// <c>application/taxii+json</c> without a version or with version 2.1 (<c>*/*</c> and <c>application/*</c> too).
    /// An Accept header that cannot be parsed is treated as absent: the answer is TAXII either way.
    /// </summary>
    public static bool Acceptable(HttpRequest request)
    {
        var accept = request.Headers.Accept;
        if (accept.Count == 0 || !MediaTypeHeaderValue.TryParseList(accept, out var ranges) || ranges.Count == 0)
            return true;
        return ranges.Any(r => (r.Quality ?? 1) > 0 && Covers(r));
    }

    static bool Covers(MediaTypeHeaderValue range)
    {
        var type = range.MediaType.Value ?? "";
        if (type == "*/*" || type.Equals("application/*", StringComparison.OrdinalIgnoreCase))
            return true;
        return type.Equals("application/taxii+json", StringComparison.OrdinalIgnoreCase) && VersionIs21(range);
    }

    /// <summary>A POST body is TAXII 2.1: <c>application/taxii+json</c>, version 2.1 or unstated.</summary>
    public static bool IsTaxiiBody(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type) &&
        string.Equals(type.MediaType.Value, "application/taxii+json", StringComparison.OrdinalIgnoreCase) && VersionIs21(type);

    static bool VersionIs21(MediaTypeHeaderValue type)
    {
        var version = type.Parameters.FirstOrDefault(p => p.Name.Equals("version", StringComparison.OrdinalIgnoreCase));
        return version is null || HeaderUtilities.RemoveQuotes(version.Value).Equals("2.1", StringComparison.Ordinal);
    }
}
