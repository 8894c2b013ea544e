using System.Buffers;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Quell.Storage;
using SQLitePCL;
using static Quell.Storage.SqliteStatements;

namespace Quell.Intel.Indicators;

/// <summary>
/// A batch's new indicators and its links on SQLite, row by row through one statement prepared per batch and bound by
/// position with SQLitePCL directly. Passing the batch as one JSON document cost more than the inserts: SQLite parsed
/// every row's object again for each of its columns (<c>value -&gt;&gt; 'key'</c> on json_each), a third of SQLite's
/// time, and the RETURNING rows came back through Dapper. Microsoft.Data.Sqlite per row cost far more still (decision
/// 136, docs/benchmarks.md): it binds by name and makes a reader per execution.
/// </summary>
static class SqliteIndicatorRows
{
    /// <summary>The SQLite connection under <paramref name="c"/>; null on PostgreSQL.</summary>
    public static SqliteConnection? Of(DbConnection c) => SqliteStatements.Of(c);

    /// <summary>
    /// Inserts the items at <paramref name="indexes"/> that are not stored yet; for each, in that order, the new row's id,
    /// or 0 when the value was stored already (ON CONFLICT DO NOTHING changed no row).
    /// </summary>
    public static long[] Insert(SqliteConnection conn, long orgId, IReadOnlyList<PendingIndicator> items, IReadOnlyList<int> indexes, long now)
    {
        var db = conn.Handle!;
        using var stmt = Prepare(db, """
            INSERT INTO indicators (org_id, type, value, kind, category, to_ids, first_seen, last_seen, tlp, confidence, comment, tags, warninglists, created_at, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)
            ON CONFLICT (org_id, value, type) DO NOTHING
            """);
        // Bindings survive sqlite3_reset: the batch's constants are bound once.
        Check(db, raw.sqlite3_bind_int64(stmt, 1, orgId));
        Check(db, raw.sqlite3_bind_int64(stmt, 14, now));
        var ids = new long[indexes.Count];
        // Texts go through one reused UTF-8 buffer: SQLitePCL's string overload makes a byte array per value.
        var utf8 = new ArrayBufferWriter<byte>(256);
        for (var n = 0; n < indexes.Count; n++)
        {
            var item = items[indexes[n]];
            Text(db, stmt, 2, item.Type, utf8);
            Text(db, stmt, 3, item.Value, utf8);
            Text(db, stmt, 4, IndicatorWrites.KindName(item.Type), utf8);
            Text(db, stmt, 5, item.Category, utf8);
            Check(db, raw.sqlite3_bind_int(stmt, 6, item.ToIds ? 1 : 0));
            Number(db, stmt, 7, item.FirstSeen);
            Number(db, stmt, 8, item.LastSeen);
            Check(db, raw.sqlite3_bind_int(stmt, 9, (int)item.Tlp));
            Number(db, stmt, 10, item.Confidence);
            NullableText(db, stmt, 11, item.Comment, utf8);
            if (item.Tags.Count == 0)
                Utf8(db, stmt, 12, "[]"u8);
            else
                Text(db, stmt, 12, IndicatorJson.Tags(item.Tags), utf8);
            NullableText(db, stmt, 13, item.Warninglists.Count == 0 ? null : IndicatorJson.Tags(item.Warninglists), utf8);
            Step(db, stmt);
            ids[n] = raw.sqlite3_changes(db) == 1 ? raw.sqlite3_last_insert_rowid(db) : 0;
        }
        return ids;
    }

    /// <summary>
    /// The stored rows of <paramref name="items"/>' values, each with the source's link time when it has one: one statement
    /// prepared per batch and stepped once per distinct value (decision 164), where <c>json_each</c> and Dapper cost a
    /// re-pull of 1 M unchanged indicators 5–7 s. A row's value is the one it was found by, so it is not read back.
    /// </summary>
    public static Dictionary<(string, string), IndicatorWrites.Existing> Existing(SqliteConnection conn, long orgId, string key, IReadOnlyList<PendingIndicator> items)
    {
        var db = conn.Handle!;
        using var stmt = Prepare(db, """
            SELECT i.id, i.type, i.to_ids, i.first_seen, i.last_seen, i.tlp, i.confidence, i.comment, i.tags, i.warninglists, s.first_reported
            FROM indicators i LEFT JOIN indicator_sources s ON s.org_id = ?1 AND s.source_key = ?2 AND s.indicator_id = i.id
            WHERE i.org_id = ?1 AND i.value = ?3
            """);
        Check(db, raw.sqlite3_bind_int64(stmt, 1, orgId));
        Text(db, stmt, 2, key);
        var existing = new Dictionary<(string, string), IndicatorWrites.Existing>(items.Count);
        var looked = new HashSet<string>(items.Count, StringComparer.Ordinal);
        var utf8 = new ArrayBufferWriter<byte>(256);
        foreach (var item in items)
        {
            if (!looked.Add(item.Value))
                continue;
            Text(db, stmt, 3, item.Value, utf8);
            int rc;
            while ((rc = raw.sqlite3_step(stmt)) == raw.SQLITE_ROW)
            {
                var row = new IndicatorWrites.Existing
                {
                    Id = raw.sqlite3_column_int64(stmt, 0),
                    Type = String(stmt, 1) ?? "",
                    Value = item.Value,
                    ToIds = raw.sqlite3_column_int64(stmt, 2) != 0,
                    FirstSeen = Int64(stmt, 3),
                    LastSeen = Int64(stmt, 4),
                    Tlp = raw.sqlite3_column_int(stmt, 5),
                    Confidence = (int?)Int64(stmt, 6),
                    Comment = String(stmt, 7),
                    Tags = String(stmt, 8) ?? "[]",
                    Warninglists = String(stmt, 9),
                    LinkedAt = Int64(stmt, 10),
                };
                existing[(row.Type, row.Value)] = row;
            }
            raw.sqlite3_reset(stmt);
            if (rc != raw.SQLITE_DONE)
                SqliteException.ThrowExceptionForRC(rc, db);
        }
        return existing;
    }

    static void NullableText(sqlite3 db, sqlite3_stmt stmt, int index, string? value, ArrayBufferWriter<byte> utf8)
    {
        if (value is null)
            Check(db, raw.sqlite3_bind_null(stmt, index));
        else
            Text(db, stmt, index, value, utf8);
    }

    static long? Int64(sqlite3_stmt stmt, int column) =>
        raw.sqlite3_column_type(stmt, column) == raw.SQLITE_NULL ? null : raw.sqlite3_column_int64(stmt, column);

    /// <summary>A text column; the empty tag list, stored on most rows, as one shared string.</summary>
    static string? String(sqlite3_stmt stmt, int column)
    {
        if (raw.sqlite3_column_type(stmt, column) == raw.SQLITE_NULL)
            return null;
        var text = raw.sqlite3_column_blob(stmt, column);
        return text.SequenceEqual("[]"u8) ? "[]" : System.Text.Encoding.UTF8.GetString(text);
    }

    /// <summary>
    /// Link rows per statement: one multi-row INSERT for many links saves a step, a reset and their calls into SQLite
    /// per row (decision 201). 64 rows bind 199 parameters, far below SQLite's limit.
    /// </summary>
    internal const int LinksPerStatement = 64;

    /// <summary>Adds or refreshes the source's link of each indicator id, with its source reference and context.</summary>
    public static void Link(SqliteConnection conn, long orgId, IndicatorSource source, string key, IReadOnlyList<(long Id, string? Ref, string? Context)> links, long run, long now)
    {
        var db = conn.Handle!;
        sqlite3_stmt? full = null, rest = null;
        try
        {
            var utf8 = new ArrayBufferWriter<byte>(256);
            for (var start = 0; start < links.Count; start += LinksPerStatement)
            {
                var rows = Math.Min(LinksPerStatement, links.Count - start);
                // Every full chunk reuses one statement (bindings survive sqlite3_reset); only the last chunk, when
                // shorter, gets its own.
                var stmt = rows == LinksPerStatement ? full ??= PrepareLinks(db, rows, orgId, source, key, run, now)
                    : rest = PrepareLinks(db, rows, orgId, source, key, run, now);
                for (var r = 0; r < rows; r++)
                {
                    var (id, sourceRef, context) = links[start + r];
                    var first = LinkConstants + 1 + (r * LinkColumns);
                    Check(db, raw.sqlite3_bind_int64(stmt, first, id));
                    NullableText(db, stmt, first + 1, sourceRef, utf8);
                    NullableText(db, stmt, first + 2, context, utf8);
                }
                Step(db, stmt);
            }
        }
        finally
        {
            full?.Dispose();
            rest?.Dispose();
        }
    }

    /// <summary>Parameters shared by every row of a link statement (?1 to ?7), and those of each row after them.</summary>
    const int LinkConstants = 7, LinkColumns = 3;

    /// <summary>The link upsert for <paramref name="rows"/> rows, with the batch's constants bound.</summary>
    static sqlite3_stmt PrepareLinks(sqlite3 db, int rows, long orgId, IndicatorSource source, string key, long run, long now)
    {
        var values = new System.Text.StringBuilder();
        for (var r = 0; r < rows; r++)
        {
            var first = LinkConstants + 1 + (r * LinkColumns);
            values.Append(r == 0 ? "" : ", ").Append(System.Globalization.CultureInfo.InvariantCulture,
                $"(?{first}, ?1, ?2, ?3, ?4, ?5, ?{first + 1}, ?6, ?6, ?7, ?{first + 2})");
        }
        var stmt = Prepare(db, $"""
            INSERT INTO indicator_sources (indicator_id, org_id, source_key, source_kind, source_name, feed_id, source_ref, first_reported, last_reported, run_id, context)
            VALUES {values}
            ON CONFLICT (org_id, source_key, indicator_id) DO UPDATE SET source_name = excluded.source_name,
              source_ref = COALESCE(excluded.source_ref, indicator_sources.source_ref), last_reported = excluded.last_reported,
              run_id = excluded.run_id, context = COALESCE(excluded.context, indicator_sources.context)
            """);
        Check(db, raw.sqlite3_bind_int64(stmt, 1, orgId));
        Text(db, stmt, 2, key);
        Text(db, stmt, 3, source.Kind);
        Text(db, stmt, 4, source.Name);
        Number(db, stmt, 5, source.FeedId);
        Check(db, raw.sqlite3_bind_int64(stmt, 6, now));
        Check(db, raw.sqlite3_bind_int64(stmt, 7, run));
        return stmt;
    }
}
