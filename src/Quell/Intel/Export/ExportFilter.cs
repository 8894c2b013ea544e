using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Http;
using Quell.Http;
using Quell.Intel.Indicators;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Intel.Export;

/// <summary>
/// Which indicators an export (and the TAXII indicators collection) holds: types, a tag, a source, a minimum score,
/// changed or seen since a time; suppressed and expired indicators only when asked. Indicators are read in id order,
/// <see cref="PageSize"/> at a time, so an export of millions holds one page in memory, not the store.
/// </summary>
public sealed class ExportFilter
{
    public const int PageSize = 1000;

    public IReadOnlyList<string> Types { get; init; } = [];
    public string? Tag { get; init; }
    public string? Source { get; init; }
    public double? MinScore { get; init; }
    /// <summary>Unix milliseconds: indicators updated (new source, tags, sightings) or last seen at or after it.</summary>
    public long? Since { get; init; }
    public bool IncludeInactive { get; init; }

    /// <summary>Active indicators of every type: what the TAXII indicators collection serves.</summary>
    public static ExportFilter Active { get; } = new();

    /// <summary>Reads the filter parameters; errors name the parameter.</summary>
    public static ExportFilter Parse(IQueryCollection query, QueryParams q)
    {
        var types = new List<string>();
        foreach (var value in query["type"])
            foreach (var type in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!IndicatorTypes.IsKnown(type))
                    q.Errors.Add("type", $"'{IndicatorNormalizer.Printable(type)}' is not a MISP attribute type");
                else if (!types.Contains(type))
                    types.Add(type);
            }
        double? minScore = null;
        if (q.String("minScore") is not null)
            minScore = q.Int("minScore", 0, 100, 0);
        return new ExportFilter
        {
            Types = types,
            Tag = q.String("tag", PendingIndicator.MaxTagLength),
            Source = q.String("source", 256),
            MinScore = minScore,
            Since = q.Time("since"),
            IncludeInactive = q.Bool("includeInactive") ?? false,
        };
    }

    /// <summary>The SQL condition on <c>indicators i</c> for the stored filters (score and activity are decided after reading).</summary>
    public string Where(DbConnection c, DynamicParameters p, long orgId)
    {
        p.Add("org", orgId);
        var where = new StringBuilder("i.org_id = @org");
        if (Types.Count > 0)
            where.Append(" AND ").Append(IndicatorWrites.InList(c, p, "i.type", "types", Types));
        IndicatorQuery.AppendTagAndSource(where, p, Tag, Source);
        if (Since is not null)
        {
            p.Add("since", Since);
            where.Append(" AND (i.updated_at >= @since OR i.last_seen >= @since)");
        }
        return where.ToString();
    }

    /// <summary>Whether a read indicator stays: active unless inactive ones are asked for, and scored high enough.</summary>
    public bool Keeps(IndicatorView v) => (IncludeInactive || (!v.Suppressed && !v.Expired)) && (MinScore is not { } min || v.Score >= min);

    /// <summary>The indicators of <paramref name="orgId"/> that pass, in pages of at most <see cref="PageSize"/>, each read on its own connection.</summary>
    public async IAsyncEnumerable<IReadOnlyList<ExportIndicator>> PagesAsync(Db db, long orgId, DateTimeOffset now, [EnumeratorCancellation] CancellationToken ct)
    {
        var after = 0L;
        while (true)
        {
            var (rows, views) = await db.ReadAsync(async c =>
            {
                var p = new DynamicParameters();
                var where = Where(c, p, orgId);
                p.Add("after", after);
                p.Add("limit", PageSize);
                var rows = (await c.QueryAsync<IndicatorRow>($"SELECT {IndicatorRow.Columns} FROM indicators i WHERE {where} AND i.id > @after ORDER BY i.id LIMIT @limit", p)).AsList();
                return (rows, await IndicatorReads.ViewsAsync(c, rows, now));
            }, ct);
            var page = views.Where(Keeps).Select(ToExport).ToList();
            if (page.Count > 0)
                yield return page;
            if (rows.Count < PageSize)
                yield break;
            after = rows[^1].Id;
        }
    }

    /// <summary>What the writers need of an indicator as the API shows it.</summary>
    public static ExportIndicator ToExport(IndicatorView v) => new()
    {
        Type = v.Type,
        Value = v.Value,
        Category = v.Category,
        ToIds = v.ToIds,
        Tags = v.Tags,
        Tlp = TlpNames.TryParse(v.Tlp, out var tlp) ? tlp : null,
        Comment = v.Comment,
        FirstSeen = v.FirstSeen,
        LastSeen = v.LastSeen,
        Score = v.Score,
        Sources = v.Sources,
    };
}
