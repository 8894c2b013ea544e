using System.Data.Common;
using System.Text;
using Dapper;
using Quell.Http;
using Quell.Storage;

namespace Quell.Alerts;

/// <summary>Filters, sort and keyset page of the alert queue.</summary>
public sealed class AlertQuery
{
    public static readonly string[] Sorts = ["-date", "date", "-createdAt", "createdAt", "-severity", "severity"];

    public string[] Status { get; init; } = [];
    public int[] Severity { get; init; } = [];
    public string? Source { get; init; }
    public string? Tag { get; init; }
    public string? Observable { get; init; }
    /// <summary>Only alerts with (true) or without (false) a live intel match on an observable (<see cref="Intel.Flagging.IntelFilter"/>).</summary>
    public bool? IntelMatched { get; init; }
    public long? From { get; init; }
    public long? To { get; init; }
    public bool? Read { get; init; }
    public string? Text { get; init; }

    /// <summary>Only alerts created after this id (the live queue asks "how many arrived since the page was drawn").</summary>
    public long? AfterId { get; init; }
    public string Sort { get; init; } = "-date";
    public int Limit { get; init; } = 50;
    public string? Cursor { get; init; }

    public static AlertQuery Parse(QueryParams q)
    {
        var status = q.List("status");
        foreach (var s in status.Where(s => !AlertStatus.All.Contains(s)))
            q.Errors.Add("status", $"status '{s}' is unknown; use {string.Join(", ", AlertStatus.All)}");
        return new AlertQuery
        {
            Status = status,
            Severity = q.IntList("severity", 1, 4),
            Source = q.String("source"),
            Tag = q.String("tag"),
            Observable = q.String("observable"),
            IntelMatched = q.Bool("intelMatched"),
            From = q.Time("from"),
            To = q.Time("to"),
            Read = q.Bool("read"),
            Text = q.String("q", 256),
            AfterId = q.String("after") is null ? null : q.Long("after", 0, long.MaxValue, 0),
            Sort = q.OneOf("sort", Sorts, "-date"),
            Limit = q.Int("limit", 1, 500, 50),
            Cursor = q.String("cursor", 200),
        };
    }

    public sealed record Page(IReadOnlyList<AlertView> Items, string? Next);

    /// <summary>Runs the query. Throws <see cref="ArgumentException"/> for a cursor that does not fit the sort.</summary>
    public async Task<Page> RunAsync(DbConnection c, Db db, long orgId)
    {
        var desc = Sort.StartsWith('-');
        var key = Sort.TrimStart('-');
        var cmp = desc ? "<" : ">";
        var dir = desc ? "DESC" : "ASC";
        var (sql, p) = await WhereAsync(c, db, orgId, $"SELECT {AlertRow.Columns} FROM alerts a");

        var columns = key switch
        {
            "date" => new[] { "a.date", "a.id" },
            "createdAt" => ["a.created_at", "a.id"],
            _ => ["a.severity", "a.date", "a.id"],
        };
        // The cursor starts with the sort it was made for: keys of "-date" read under "date" or "createdAt" (same
        // shape) would silently skip or repeat rows.
        var sortTag = Array.IndexOf(Sorts, Sort);
        if (Cursor is not null)
        {
            if (!Http.Cursor.TryDecode(Cursor, columns.Length + 1, out var keys) || keys[0] != sortTag)
                throw new ArgumentException("cursor is not valid for this sort; start again without it");
            keys = keys[1..];
            var names = columns.Select((_, i) => "@k" + i).ToArray();
            for (var i = 0; i < keys.Length; i++)
                p.Add("k" + i, keys[i]);
            sql.Append($" AND ({string.Join(", ", columns)}) {cmp} ({string.Join(", ", names)})");
        }
        sql.Append(" ORDER BY ").Append(string.Join(", ", columns.Select(col => $"{col} {dir}")));
        sql.Append(" LIMIT @limit");
        p.Add("limit", Limit + 1);

        var rows = (await c.QueryAsync<AlertRow>(sql.ToString(), p)).AsList();
        string? next = null;
        if (rows.Count > Limit)
        {
            rows.RemoveAt(rows.Count - 1);
            var last = rows[^1];
            next = key switch
            {
                "date" => Http.Cursor.Encode(sortTag, last.Date, last.Id),
                "createdAt" => Http.Cursor.Encode(sortTag, last.CreatedAt, last.Id),
                _ => Http.Cursor.Encode(sortTag, last.Severity, last.Date, last.Id),
            };
        }
        return new Page(rows.Select(r => AlertView.From(r)).ToList(), next);
    }

    /// <summary>How many alerts match the filters (sort and cursor aside); with <see cref="AfterId"/>, how many are new.</summary>
    public async Task<long> CountAsync(DbConnection c, Db db, long orgId)
    {
        var (sql, p) = await WhereAsync(c, db, orgId, "SELECT COUNT(*) FROM alerts a");
        return await c.ExecuteScalarAsync<long>(sql.ToString(), p);
    }

    async Task<(StringBuilder Sql, DynamicParameters P)> WhereAsync(DbConnection c, Db db, long orgId, string select)
    {
        var p = new DynamicParameters();
        p.Add("org", orgId);
        var sql = new StringBuilder(select).Append(" WHERE a.org_id = @org");
        if (Status.Length > 0) { sql.Append($" AND {db.In("a.status", "@status")}"); p.Add("status", Status); }
        if (Severity.Length > 0) { sql.Append($" AND {db.In("a.severity", "@severity")}"); p.Add("severity", Severity); }
        if (Source is not null) { sql.Append(" AND a.source = @source"); p.Add("source", Source); }
        if (Tag is not null)
        {
            p.Add("tag", Tag);
            sql.Append(await SetFilter.ClauseAsync(c, db, p, "a", "alert_tags", "alert_id", "tag", "tag"));
        }
        if (Observable is not null)
        {
            var (lookupColumn, lookupValues) = Observables.ObservableStore.LookupKeys(db, Observables.ObservableTypes.SearchForms(Observable));
            p.Add("obs", lookupValues);
            sql.Append(await SetFilter.ClauseAsync(c, db, p, "a", "alert_observables", "alert_id", lookupColumn, "obs", many: true));
        }
        if (IntelMatched is { } matched)
            sql.Append(await Intel.Flagging.IntelFilter.ClauseAsync(c, db, p, "a", Intel.Flagging.FlagSource.AlertKind, matched));
        if (From is not null) { sql.Append(" AND a.date >= @from"); p.Add("from", From); }
        if (To is not null) { sql.Append(" AND a.date < @to"); p.Add("to", To); }
        if (Read is not null) { sql.Append(" AND a.is_read = @read"); p.Add("read", Read); }
        if (Text is not null) { sql.Append($" AND a.title {db.ILike} @text ESCAPE '\\'"); p.Add("text", "%" + EscapeLike(Text) + "%"); }
        if (AfterId is not null) { sql.Append(" AND a.id > @after"); p.Add("after", AfterId); }
        return (sql, p);
    }

    internal static string EscapeLike(string s) => s.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
