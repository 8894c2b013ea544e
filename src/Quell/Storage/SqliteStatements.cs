using System.Buffers;
using System.Data.Common;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Quell.Storage;

/// <summary>
/// Statements run through SQLitePCL directly, bound by position, for the write paths that insert many rows per
/// transaction (indicator imports, event batches). Microsoft.Data.Sqlite finds each parameter by name and makes a
/// data reader per execution, which cost more than the inserts themselves (decisions 136 and 172).
/// </summary>
static class SqliteStatements
{
    /// <summary>The SQLite connection under <paramref name="c"/> (the writer's statement-caching wrapper or a plain one); null on PostgreSQL.</summary>
    public static SqliteConnection? Of(DbConnection c) => c switch
    {
        StatementCachingConnection cached => cached.Inner,
        SqliteConnection plain => plain,
        _ => null,
    };

    public static sqlite3_stmt Prepare(sqlite3 db, string sql)
    {
        Check(db, raw.sqlite3_prepare_v2(db, sql, out var stmt));
        return stmt;
    }

    /// <summary>Runs a statement that returns no rows and resets it; its bindings stay for the next row.</summary>
    public static void Step(sqlite3 db, sqlite3_stmt stmt)
    {
        var rc = raw.sqlite3_step(stmt);
        raw.sqlite3_reset(stmt);
        if (rc != raw.SQLITE_DONE)
            SqliteException.ThrowExceptionForRC(rc, db);
    }

    public static void Text(sqlite3 db, sqlite3_stmt stmt, int index, string? value) =>
        Check(db, value is null ? raw.sqlite3_bind_null(stmt, index) : raw.sqlite3_bind_text(stmt, index, value));

    /// <summary>Binds text given as UTF-8 bytes (SQLite copies them), so text built as UTF-8 is never decoded and encoded again.</summary>
    public static void Utf8(sqlite3 db, sqlite3_stmt stmt, int index, ReadOnlySpan<byte> value) =>
        // An empty span pins to a null pointer, which SQLite binds as NULL, not as ''.
        Check(db, value.IsEmpty ? raw.sqlite3_bind_text(stmt, index, "") : raw.sqlite3_bind_text(stmt, index, value));

    /// <summary>Binds a string through a reused UTF-8 buffer instead of a new byte array per value.</summary>
    public static void Text(sqlite3 db, sqlite3_stmt stmt, int index, string value, ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        var n = Encoding.UTF8.GetBytes(value, buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length)));
        buffer.Advance(n);
        Utf8(db, stmt, index, buffer.WrittenSpan);
    }

    public static void Number(sqlite3 db, sqlite3_stmt stmt, int index, long? value) =>
        Check(db, value is { } v ? raw.sqlite3_bind_int64(stmt, index, v) : raw.sqlite3_bind_null(stmt, index));

    public static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK)
            SqliteException.ThrowExceptionForRC(rc, db);
    }
}
