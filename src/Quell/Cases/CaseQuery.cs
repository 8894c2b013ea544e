using System.Data.Common;
using System.Text;
using Dapper;
using Quell.Http;
using Quell.Storage;

namespace Quell.Cases;

/// <summary>Filters, sort and keyset page of the case list.</summary>
public sealed class CaseQuery
{
    public static readonly string[] Sorts = ["-createdAt", "createdAt", "-updatedAt", "updatedAt"];

    public string[] Status { get; init; } = [];
    public int[] Severity { get; init; } = [];
    public string? Assignee { get; init; }
    public string? Tag { get; init; }
    public string? Text { get; init; }
    public string? Observable { get; init; }
    /// <summary>Only cases with (true) or without (false) a live intel match on an observable (<see cref="Intel.Flagging.IntelFilter"/>).</summary>
    public bool? IntelMatched { get; init; }
    public string Sort { get; init; } = "-createdAt";
    public int Limit { get; init; } = 50;
    public string? Cursor { get; init; }

    public static CaseQuery Parse(QueryParams q)
    {
        var status = q.List("status");
        foreach (var s in status.Where(s => !CaseStatus.All.Contains(s)))
            q.Errors.Add("status", $"status '{s}' is unknown; use {string.Join(", ", CaseStatus.All)}");
        return new CaseQuery
        {
            Status = status,
            Severity = q.IntList("severity", 1, 4),
            Assignee = q.String("assignee", 256),
            Tag = q.String("tag"),
            Text = q.String("q", 256),
            Observable = q.String("observable"),
            IntelMatched = q.Bool("intelMatched"),
            Sort = q.OneOf("sort", Sorts, "-createdAt"),
            Limit = q.Int("limit", 1, 500, 50),
            Cursor = q.String("cursor", 200),
        };
    }

    public sealed record Page(IReadOnlyList<CaseView> Items, string? Next);

    public async Task<Page> RunAsync(DbConnection c, Db db, long orgId)
    {
        var desc = Sort.StartsWith('-');
        var column = Sort.TrimStart('-') == "updatedAt" ? "c.updated_at" : "c.created_at";
        var p = new DynamicParameters();
        p.Add("org", orgId);
        var sql = new StringBuilder($"SELECT {CaseRow.Columns}, u.username AS AssigneeName FROM cases c LEFT JOIN users u ON u.id = c.assignee_id WHERE c.org_id = @org");
        if (Status.Length > 0) { sql.Append($" AND {db.In("c.status", "@status")}"); p.Add("status", Status); }
        if (Severity.Length > 0) { sql.Append($" AND {db.In("c.severity", "@severity")}"); p.Add("severity", Severity); }
        if (Assignee is not null) { sql.Append(" AND u.username = @assignee"); p.Add("assignee", Assignee.Trim().ToLowerInvariant()); }
        if (Tag is not null)
        {
            p.Add("tag", Tag);
            sql.Append(await SetFilter.ClauseAsync(c, db, p, "c", "case_tags", "case_id", "tag", "tag"));
        }
        if (Observable is not null)
        {
            var (lookupColumn, lookupValues) = Observables.ObservableStore.LookupKeys(db, Observables.ObservableTypes.SearchForms(Observable));
            p.Add("obs", lookupValues);
            sql.Append(await SetFilter.ClauseAsync(c, db, p, "c", "case_observables", "case_id", lookupColumn, "obs", many: true));
        }
        if (IntelMatched is { } matched)
            sql.Append(await Intel.Flagging.IntelFilter.ClauseAsync(c, db, p, "c", Intel.Flagging.FlagSource.CaseKind, matched));
        if (Text is not null) { sql.Append($" AND c.title {db.ILike} @text ESCAPE '\\'"); p.Add("text", "%" + Alerts.AlertQuery.EscapeLike(Text) + "%"); }
        if (Cursor is not null)
        {
            if (!Http.Cursor.TryDecode(Cursor, 2, out var keys))
                throw new ArgumentException("cursor is not valid for this sort; start again without it");
            sql.Append($" AND ({column}, c.id) {(desc ? "<" : ">")} (@k0, @k1)");
            p.Add("k0", keys[0]);
            p.Add("k1", keys[1]);
        }
        var dir = desc ? "DESC" : "ASC";
        sql.Append($" ORDER BY {column} {dir}, c.id {dir} LIMIT @limit");
        p.Add("limit", Limit + 1);
        var rows = (await c.QueryAsync<CaseRow>(sql.ToString(), p)).AsList();
        string? next = null;
        if (rows.Count > Limit)
        {
            rows.RemoveAt(rows.Count - 1);
            var last = rows[^1];
            next = Http.Cursor.Encode(column == "c.updated_at" ? last.UpdatedAt : last.CreatedAt, last.Id);
        }
        return new Page(rows.Select(r => CaseView.From(r)).ToList(), next);
    }
}
