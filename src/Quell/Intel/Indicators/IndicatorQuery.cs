using System.Data.Common;
using System.Text;
using System.Text.Json;
using Dapper;
using Npgsql;
using Quell.Http;

namespace Quell.Intel.Indicators;

/// <summary>
/// Indicator search: exact value (normalized as stored; the type detected when not given), value prefix, type, tag,
/// source, updated since, minimum score. Newest first, keyset pages by id. The score is computed at read time, so
/// <see cref="MinScore"/> filters pages after reading them: a page may then hold fewer items than the limit, and
/// <c>next</c> still says whether more may follow.
/// </summary>
public sealed class IndicatorQuery
{
    /// <summary>PostgreSQL's prefix index holds the first characters of a value (see migration 9).</summary>
    public const int PrefixIndexLength = 256;

    /// <summary>Rows read per page when filtering by score, at most: a rare score must not make one request scan the store.</summary>
    const int MaxScanned = 5000;

    public string? Value { get; init; }
    public string? Prefix { get; init; }
    public string? Type { get; init; }
    public string? Tag { get; init; }
    public string? Source { get; init; }
    public double? MinScore { get; init; }
    public long? Since { get; init; }
    public int Limit { get; init; } = 50;
    public long? Before { get; init; }

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
            if (Cursor.TryDecode(cursor, 1, out var keys))
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
            MinScore = minScore,
            Since = q.Time("since"),
            Limit = q.Int("limit", 1, 500, 50),
            Before = before,
        };
    }

    public sealed record Page(IReadOnlyList<IndicatorView> Items, string? Next);

    public async Task<Page> RunAsync(DbConnection c, long orgId, DateTimeOffset now)
    {
        var pg = c is NpgsqlConnection;
        var p = new DynamicParameters();
        p.Add("org", orgId);
        var where = new StringBuilder("i.org_id = @org");
        if (Value is not null)
        {
            p.Add("value", Value);
            where.Append(pg ? " AND md5(i.value) = md5(@value) AND i.value = @value" : " AND i.value = @value");
        }
        if (Prefix is not null)
        {
            // A range on the value (on PostgreSQL, on its indexed first characters in byte order) instead of LIKE:
            // an index serves it whatever the collation, and '%' or '_' in a URL are not wildcards.
            p.Add("lo", Prefix);
            p.Add("hi", Prefix + "\U0010FFFF");
            where.Append(pg
                ? $" AND left(i.value, {PrefixIndexLength}) COLLATE \"C\" >= @lo AND left(i.value, {PrefixIndexLength}) COLLATE \"C\" < @hi"
                : " AND i.value >= @lo AND i.value < @hi");
        }
        if (Type is not null)
        {
            p.Add("type", Type);
            where.Append(" AND i.type = @type");
        }
        AppendTagAndSource(where, p, Tag, Source);
        if (Since is not null)
        {
            p.Add("since", Since);
            where.Append(" AND i.updated_at >= @since");
        }
        var chunk = MinScore is null ? Limit + 1 : Math.Max(Limit * 4, 200);
        p.Add("limit", chunk);
        var items = new List<IndicatorView>();
        var before = Before;
        var scanned = 0;
        while (true)
        {
            p.Add("before", before ?? long.MaxValue);
            var rows = (await c.QueryAsync<IndicatorRow>(
                $"SELECT {IndicatorRow.Columns} FROM indicators i WHERE {where} AND i.id < @before ORDER BY i.id DESC LIMIT @limit", p)).AsList();
            scanned += rows.Count;
            var views = await IndicatorReads.ViewsAsync(c, rows, now);
            for (var i = 0; i < views.Count; i++)
            {
                if (MinScore is { } min && views[i].Score < min)
                    continue;
                if (items.Count == Limit)
                    return new Page(items, Cursor.Encode(items[^1].Id));
                items.Add(views[i]);
            }
            if (rows.Count < chunk)
                return new Page(items, null);
            before = rows[^1].Id;
            if (MinScore is null || scanned >= MaxScanned)
                return new Page(items, Cursor.Encode(before.Value));
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

    static string EscapeLike(string s) =>
        s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
