using System.Globalization;

namespace Quell.Intel.Feeds.Formats;

/// <summary>Small conversions of feed fields shared by the readers, each saying why a value is refused.</summary>
internal static class FeedValues
{
    static readonly string[] TimeFormats =
    [
        "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss 'UTC'", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd", "yyyy-MM-dd HH:mm",
    ];

    /// <summary>
    /// A time as feeds write it: ISO 8601 with an offset, or abuse.ch's "2024-01-01 00:00:00" (UTC), or Unix
    /// seconds. Empty, "None" and "null" are "not given". A value that is none of these is an error.
    /// </summary>
    public static bool TryTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        var t = text?.Trim();
        if (string.IsNullOrEmpty(t) || t is "None" or "null" or "0")
            return true;
        if (t.All(char.IsAsciiDigit) && t.Length <= 12 && long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            time = DateTimeOffset.FromUnixTimeSeconds(seconds);
            return true;
        }
        if (DateTimeOffset.TryParseExact(t, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var exact)
            || DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out exact))
        {
            time = exact;
            return true;
        }
        return false;
    }

    /// <summary>The error for a value the type refuses, with the value shown safely; null when the value is fine.</summary>
    public static string? Check(string type, string value) =>
        IndicatorNormalizer.Normalize(type, value, out var error) is null ? $"'{IndicatorNormalizer.Printable(value)}' is not a valid {IndicatorNormalizer.Printable(type)}: {error}" : null;
}
