using System.Data.Common;
using System.Text;
using System.Text.Json;
using Dapper;
using Npgsql;
using Quell.Http;

namespace Quell.Intel.Indicators;

/// <summary>
/// Indicator search: exact value (normalized as stored; the type detected when not given), value prefix, type, tag,
/// source, warninglisted, state (active, suppressed, expired), updated since, minimum score. Newest first, keyset pages
/// by id; a prefix search in value order instead (IndicatorQuery.Prefix.cs). Every request does bounded work, whatever
/// the store holds:
/// <list type="bullet">
/// <item>An exact value is looked up in the value index and its few matches sorted.</item>
/// <item>A prefix walks the value index in order from the cursor, <see cref="Window"/> entries at a time, filtering
/// each window, until the page is full or <see cref="ScanBudget"/> entries were looked at: a prefix shared by millions
/// of values (<c>http://</c>) costs what a rare one does.</item>
/// <item>Otherwise the store is walked newest first in windows of <see cref="Window"/> ids (a range of the primary key,
/// whoever's rows they are), filtering inside each window, until the page is full or <see cref="ScanBudget"/> ids
/// were looked at. A rare filter (a tag on one indicator in a million) then answers a short or empty page with a
/// <c>next</c> cursor that continues further back, instead of one request reading the whole table.</item>
/// <item>The score is computed at read time, so <see cref="MinScore"/> and the expired state filter pages after
/// reading them, at most <see cref="MaxScanned"/> rows per request.</item>
/// </list>
/// A page may therefore hold fewer items than the limit; <c>next</c> still says whether more may follow.
/// </summary>
public sealed partial class IndicatorQuery
{
    /// <summary>PostgreSQL's prefix index holds the first characters of a value (see migration 9).</summary>
    public const int PrefixIndexLength = 256;

    /// <summary>State filter values: not suppressed and not expired; suppressed by false positives; expired by age or an expiration sighting.</summary>
    public static readonly string[] States = ["active", "suppressed", "expired"];

    /// <summary>Rows read per page when filtering by score or expiry, at most: a rare score must not make one request scan the store.</summary>
    const int MaxScanned = 5000;

    public string? Value { get; init; }
    public string? Prefix { get; init; }
    public string? Type { get; init; }
    public string? Tag { get; init; }
    public string? Source { get; init; }
    public bool? Warninglisted { get; init; }
    public string? State { get; init; }
    public double? MinScore { get; init; }
    public long? Since { get; init; }
    public int Limit { get; init; } = 50;

    /// <summary>The cursor: the page goes on below this id (newest first) or, for a prefix, after this indicator in value order.</summary>
    public long? Before { get; init; }

    /// <summary>Ids per window of the newest-first walk.</summary>
    public long Window { get; init; } = 5_000;

    /// <summary>Ids one request looks at, at most, in the newest-first walk.</summary>
    public long ScanBudget { get; init; } = 20_000;

    public static IndicatorQuery Parse(QueryParams q)
    {
        var type = q.String("type", 64);
        if (type is not null && !IndicatorTypes.IsKnown(type))
            q.Errors.Add("type", $"'{IndicatorNormalizer.Printable(type)}' is not a MISP attribute type");
        var value = q.String("value", IndicatorNormalizer.MaxLength);
        string? normalized = null;
        if (value is not null)
        {
            if (type is not null && IndicatorTypes.IsKnown(type))
            {
                normalized = IndicatorNormalizer.Normalize(type, value, out var error);
                if (normalized is null)
                    q.Errors.Add("value", error!);
            }
            else if (type is null)
                normalized = TypeDetector.Detect(value) is { } detected
                    ? IndicatorNormalizer.Normalize(detected.Type, detected.Value, out _) ?? value.Trim()
                    : value.Trim();
        }
        double? minScore = null;
        if (q.String("minScore") is not null)
            minScore = q.Int("minScore", 0, 100, 0);
        long? before = null;
        if (q.String("cursor", 200) is { } cursor)
        {
            if (Cursor.TryDecode(cursor, 1, out var keys) && keys[0] > 0)
                before = keys[0];
            else
                q.Errors.Add("cursor", "cursor is not valid; start again without it");
        }
        return new IndicatorQuery
        {
            Value = normalized,
            Prefix = q.String("q", PrefixIndexLength)?.Trim() is { Length: > 0 } prefix ? prefix : null,
            Type = type,
            Tag = q.String("tag", PendingIndicator.MaxTagLength),
            Source = q.String("source", 256),
            Warninglisted = q.Bool("warninglisted"),
            State = q.String("state", 16) is null ? null : q.OneOf("state", States, "active"),
            MinScore = minScore,
            Since = q.Time("since"),
            Limit = q.Int("limit", 1, 500, 50),
            Before = before,
        };
    }

    /// <summary>A page, or the reason its cursor cannot be followed (<paramref name="CursorError"/>, a client error).</summary>
    public sealed record Page(IReadOnlyList<IndicatorView> Items, string? Next, string? CursorError = null);

    public async Task<Page> RunAsync(DbConnection c, long orgId, DateTimeOffset now)
    {
        if (Value is null && Prefix is not null)
            return await RunPrefixAsync(c, orgId, now);
        var pg = c is NpgsqlConnection;
        var p = new DynamicParameters();
        p.Add("org", orgId);
        var indexed = Value is not null;
        // Without a value to look up, SQLite must walk the primary key: "+" keeps it from reading the (org_id, value)
        // index instead and sorting every row of the organisation by id (150 ms at a million rows).
        var where = new StringBuilder(indexed || pg ? "i.org_id = @org" : "+i.org_id = @org");
        if (Value is not null)
        {
            p.Add("value", Value);
            where.Append(pg ? " AND md5(i.value) = md5(@value) AND i.value = @value" : " AND i.value = @value");
        }
        if (Prefix is not null)
            where.Append(PrefixRange(p, pg));
        AppendFilters(where, p);
        var postFilter = MinScore is not null || State is "active" or "expired";
        var chunk = postFilter ? Math.Max(Limit * 4, 200) : Limit + 1;
        var items = new List<IndicatorView>();
        var top = Before ?? long.MaxValue;
        long scannedIds = 0, scannedRows = 0;
        while (true)
        {
            long floor = 0;
            if (!indexed)
            {
                // The window below top; an empty stretch of ids (deleted rows) is skipped in one step.
                if (await c.ExecuteScalarAsync<long?>("SELECT MAX(id) FROM indicators WHERE id < @top", new { top }) is not { } highest)
                    return new Page(items, null);
                top = highest + 1;
                floor = Math.Max(0, top - Window);
            }
            p.Add("top", top);
            p.Add("floor", floor);
            p.Add("limit", chunk);
            var rows = (await c.QueryAsync<IndicatorRow>(
                $"SELECT {IndicatorRow.Columns} FROM indicators i WHERE {where} AND i.id < @top AND i.id >= @floor ORDER BY i.id DESC LIMIT @limit", p)).AsList();
            scannedRows += rows.Count;
            var views = await IndicatorReads.ViewsAsync(c, rows, now);
            foreach (var view in views)
            {
                if (!Keep(view))
                    continue;
                if (items.Count == Limit)
                    return new Page(items, Cursor.Encode(items[^1].Id));
                items.Add(view);
            }
            if (rows.Count == chunk)
                top = rows[^1].Id; // more rows below in this window (or, indexed, in the index)
            else if (indexed || floor == 0)
                return new Page(items, null);
            else
            {
                scannedIds += top - floor;
                top = floor;
            }
            if ((!indexed && scannedIds >= ScanBudget) || scannedRows >= MaxScanned)
                return new Page(items, Cursor.Encode(top));
        }
    }

    /// <summary>The filters other than value and prefix, on <c>indicators i</c>.</summary>
    void AppendFilters(StringBuilder where, DynamicParameters p)
    {
        if (Type is not null)
        {
            p.Add("type", Type);
            where.Append(" AND i.type = @type");
        }
        AppendTagAndSource(where, p, Tag, Source);
        if (Warninglisted is { } listed)
            where.Append(listed ? " AND i.warninglists IS NOT NULL" : " AND i.warninglists IS NULL");
        if (State is not null)
        {
            // The stored flag follows the sightings (IndicatorSightings); expiry depends on the clock and is filtered after scoring.
            p.Add("suppressed", State == "suppressed");
            where.Append(" AND i.suppressed = @suppressed");
        }
        if (Since is not null)
        {
            p.Add("since", Since);
            where.Append(" AND i.updated_at >= @since");
        }
    }

    /// <summary>The conditions on <c>indicators i</c> for a tag (one of its tags, exactly) and a source (by name or key), as parameters @tag and @source.</summary>
    internal static void AppendTagAndSource(StringBuilder where, DynamicParameters p, string? tag, string? source)
    {
        if (tag is not null)
        {
            p.Add("tag", "%" + EscapeLike(JsonSerializer.Serialize(tag, IndicatorJson.Options)) + "%");
            where.Append(" AND i.tags LIKE @tag ESCAPE '\\'");
        }
        if (source is not null)
        {
            p.Add("source", source);
            where.Append(" AND EXISTS (SELECT 1 FROM indicator_sources s WHERE s.indicator_id = i.id AND (s.source_name = @source OR s.source_key = @source))");
        }
    }

    bool Keep(IndicatorView view) =>
        (MinScore is not { } min || view.Score >= min)
        && State switch { "active" => !view.Expired && !view.Suppressed, "expired" => view.Expired, _ => true };

    static string EscapeLike(string s) =>
        s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
