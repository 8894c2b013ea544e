using System.Globalization;
using Microsoft.AspNetCore.Http;
using Quell.Http;

namespace Quell.Intel.Taxii;

/// <summary>
/// The filters of the objects and manifest endpoints (TAXII 2.1 §3.4): <c>added_after</c>, <c>limit</c>, <c>next</c>,
/// <c>match[id]</c>, <c>match[type]</c>, <c>match[version]</c> (last — the default —, first, all, or timestamps) and
/// <c>match[spec_version]</c>. Lists are comma-separated. Any other parameter is refused, so a misspelled filter is
/// not silently ignored.
/// </summary>
public sealed class TaxiiObjectQuery
{
    static readonly string[] Known = ["added_after", "limit", "next", "match[id]", "match[type]", "match[version]", "match[spec_version]"];

    /// <summary>Unix milliseconds; objects added strictly after it.</summary>
    public long? AddedAfter { get; init; }
    public int Limit { get; init; }
    /// <summary>The (date added, row id) the previous page ended with.</summary>
    public (long DateAdded, long Id)? After { get; init; }
    public IReadOnlyList<string> Ids { get; init; } = [];
    public IReadOnlyList<string> Types { get; init; } = [];
    public bool Last { get; init; }
    public bool First { get; init; }
    public bool All { get; init; }
    /// <summary>Versions asked for by timestamp, as Unix microseconds.</summary>
    public IReadOnlyList<long> Versions { get; init; } = [];
    /// <summary>False when match[spec_version] names only versions other than 2.1: nothing can match.</summary>
    public bool SpecVersionMatches { get; init; } = true;

    /// <summary>Whether an object of <paramref name="version"/> (Unix microseconds) passes the version filter, given its neighbours.</summary>
    public bool VersionMatches(long version, bool isLast, bool isFirst) =>
        All || (Last && isLast) || (First && isFirst) || Versions.Contains(version);

    /// <summary>The query, or null with the first error's description.</summary>
    public static TaxiiObjectQuery? Parse(IQueryCollection query, int maxLimit, string? objectId, out string? error)
    {
        error = null;
        if (query.Keys.FirstOrDefault(k => !Known.Contains(k, StringComparer.Ordinal)) is { } unknown)
        {
            error = $"'{IndicatorNormalizer.Printable(unknown)}' is not a filter of this server; it knows {string.Join(", ", Known)}";
            return null;
        }
        long? addedAfter = null;
        if (One(query, "added_after") is { } a)
        {
            if (ParseTimestamp(a) is not { } micros)
            {
                error = $"added_after '{IndicatorNormalizer.Printable(a)}' is not a timestamp (RFC 3339, e.g. 2026-01-31T12:00:00.000Z)";
                return null;
            }
            // date_added is kept in milliseconds: "added after 12.3456 ms" is "added after 12 ms" for whole milliseconds.
            addedAfter = (long)Math.Floor(micros / 1000.0);
        }
        var limit = maxLimit;
        if (One(query, "limit") is { } l)
        {
            if (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1)
            {
                error = $"limit '{IndicatorNormalizer.Printable(l)}' is not a positive integer";
                return null;
            }
            limit = Math.Min(limit, maxLimit);
        }
        (long, long)? after = null;
        if (One(query, "next") is { } n)
        {
            if (!Cursor.TryDecode(n, 2, out var keys))
            {
                error = "next is not a value this server gave; start again without it";
                return null;
            }
            after = (keys[0], keys[1]);
        }
        var ids = List(query, "match[id]");
        if (objectId is not null)
            ids = [objectId];
        bool last = false, first = false, all = false;
        var versions = new List<long>();
        foreach (var v in List(query, "match[version]"))
        {
            switch (v)
            {
                case "last": last = true; break;
                case "first": first = true; break;
                case "all": all = true; break;
                default:
                    if (ParseTimestamp(v) is not { } micros)
                    {
                        error = $"match[version] '{IndicatorNormalizer.Printable(v)}' is not last, first, all or a timestamp";
                        return null;
                    }
                    versions.Add(micros);
                    break;
            }
        }
        if (!first && !all && versions.Count == 0)
            last = true;
        var specVersions = List(query, "match[spec_version]");
        return new TaxiiObjectQuery
        {
            AddedAfter = addedAfter,
            Limit = limit,
            After = after,
            Ids = ids,
            Types = List(query, "match[type]"),
            Last = last,
            First = first,
            All = all,
            Versions = versions,
            SpecVersionMatches = specVersions.Count == 0 || specVersions.Contains("2.1"),
        };
    }

    static string? One(IQueryCollection query, string name) => query[name] is { Count: > 0 } v && !string.IsNullOrEmpty(v[^1]) ? v[^1] : null;

    static List<string> List(IQueryCollection query, string name) =>
        [.. query[name].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal)];

    /// <summary>An RFC 3339 timestamp as Unix microseconds (STIX and TAXII timestamps are UTC, with any fraction of a second).</summary>
    public static long? ParseTimestamp(string text) =>
        text.Length is > 0 and <= 64 && char.IsAsciiDigit(text[0]) &&
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10
            : null;

    /// <summary>A timestamp written from Unix milliseconds, as TAXII dates are written (<c>2026-01-31T12:00:00.000Z</c>).</summary>
    public static string Millis(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A version from Unix microseconds: milliseconds when they are whole, else microseconds.</summary>
    public static string Micros(long micros)
    {
        var t = DateTimeOffset.UnixEpoch.AddTicks(micros * 10).UtcDateTime;
        return t.ToString(micros % 1000 == 0 ? "yyyy-MM-dd'T'HH:mm:ss.fff'Z'" : "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
    }
}
