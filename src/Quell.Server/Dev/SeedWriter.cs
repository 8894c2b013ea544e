using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using SQLitePCL;
using Quell.Storage;

namespace Quell.Server.Dev;

/// <summary>A table the seeder fills, with the columns it writes (the others keep their defaults).</summary>
public sealed record SeedTable(string Name, params string[] Columns)
{
    public static readonly SeedTable Alerts = new("alerts", "id", "org_id", "type", "source", "source_ref", "title", "description", "severity",
        "tlp", "pap", "status", "is_read", "tags", "date", "created_at", "updated_at", "first_evidence_at", "case_id", "observable_count");
    public static readonly SeedTable AlertTags = new("alert_tags", "alert_id", "org_id", "tag");
    public static readonly SeedTable AlertObservables = new("alert_observables", "alert_id", "org_id", "data_type", "data", "ioc", "sighted", "tags");
    public static readonly SeedTable Cases = new("cases", "id", "org_id", "number", "title", "description", "severity", "tlp", "pap", "status",
        "resolution", "summary", "assignee_id", "tags", "custom_fields", "first_evidence_at", "detected_at", "contained_at", "resolved_at",
        "created_by", "created_at", "updated_at", "version");
    public static readonly SeedTable CaseTags = new("case_tags", "case_id", "org_id", "tag");
    public static readonly SeedTable CaseObservables = new("case_observables", "case_id", "org_id", "data_type", "data", "ioc", "sighted", "tags", "created_at");
    public static readonly SeedTable CaseTimeline = new("case_timeline", "case_id", "org_id", "at", "kind", "message", "actor");
}

/// <summary>
/// Bulk writer: one transaction per batch, rows grouped by table. Values are long, int, string, bool or null, matching
/// the column types of Schema.cs (INTEGER columns get int so PostgreSQL's binary COPY accepts them).
/// </summary>
public abstract class SeedWriter : IAsyncDisposable
{
    public static async Task<SeedWriter> OpenAsync(Db db, CancellationToken ct)
    {
        var conn = await db.OpenAsync(ct);
        return db.IsPostgres ? new PostgresSeedWriter((NpgsqlConnection)conn) : await SqliteSeedWriter.CreateAsync((SqliteConnection)conn, ct);
    }

    public abstract Task BeginAsync(CancellationToken ct);

    public abstract Task WriteAsync(SeedTable table, IEnumerable<object?[]> rows, CancellationToken ct);

    public abstract Task CommitAsync(CancellationToken ct);

    public abstract ValueTask DisposeAsync();
}

/// <summary>Npgsql binary COPY: the fastest way into PostgreSQL, several times faster than multi-row INSERTs.</summary>
sealed class PostgresSeedWriter(NpgsqlConnection conn) : SeedWriter
{
    NpgsqlTransaction? _tx;

    public override async Task BeginAsync(CancellationToken ct) => _tx = await conn.BeginTransactionAsync(ct);

    public override async Task WriteAsync(SeedTable table, IEnumerable<object?[]> rows, CancellationToken ct)
    {
        await using var copy = await conn.BeginBinaryImportAsync(
            $"COPY {table.Name} ({string.Join(", ", table.Columns)}) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var row in rows)
        {
            await copy.StartRowAsync(ct);
            foreach (var v in row)
            {
                switch (v)
                {
                    case null: await copy.WriteNullAsync(ct); break;
                    case long l: await copy.WriteAsync(l, NpgsqlDbType.Bigint, ct); break;
                    case int i: await copy.WriteAsync(i, NpgsqlDbType.Integer, ct); break;
                    case bool b: await copy.WriteAsync(b, NpgsqlDbType.Boolean, ct); break;
                    case string s: await copy.WriteAsync(s, NpgsqlDbType.Text, ct); break;
                    default: throw new InvalidOperationException($"seed value of type {v.GetType()} has no PostgreSQL mapping");
                }
            }
        }
        await copy.CompleteAsync(ct);
    }

    public override async Task CommitAsync(CancellationToken ct)
    {
        await _tx!.CommitAsync(ct);
        await _tx.DisposeAsync();
        _tx = null;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_tx is not null)
            await _tx.DisposeAsync();
        await conn.DisposeAsync();
    }
}

/// <summary>
/// SQLite: prepared multi-row INSERTs (compiled once, executed per <see cref="RowsPerStatement"/> rows) inside large
/// transactions. Values are bound by position through SQLitePCL directly: Microsoft.Data.Sqlite binds by name, which
/// for a statement of 2,000 parameters cost several times more than SQLite's own work (measured with dotnet-trace).
/// A bigger page cache keeps the random-order index inserts of observables in memory.
/// </summary>
sealed class SqliteSeedWriter : SeedWriter
{
    const int RowsPerStatement = 50;
    readonly SqliteConnection _conn;
    readonly Dictionary<SeedTable, sqlite3_stmt> _full = [];
    SqliteTransaction? _tx;

    SqliteSeedWriter(SqliteConnection conn) => _conn = conn;

    public static async Task<SqliteSeedWriter> CreateAsync(SqliteConnection conn, CancellationToken ct)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "PRAGMA cache_size = -524288; PRAGMA temp_store = MEMORY;";
        await cmd.ExecuteNonQueryAsync(ct);
        return new SqliteSeedWriter(conn);
    }

    public override Task BeginAsync(CancellationToken ct)
    {
        _tx = _conn.BeginTransaction();
        return Task.CompletedTask;
    }

    public override Task WriteAsync(SeedTable table, IEnumerable<object?[]> rows, CancellationToken ct)
    {
        if (!_full.TryGetValue(table, out var full))
            _full[table] = full = Prepare(table, RowsPerStatement);
        var width = table.Columns.Length;
        var pending = new List<object?[]>(RowsPerStatement);
        foreach (var row in rows)
        {
            pending.Add(row);
            if (pending.Count == RowsPerStatement)
            {
                Execute(full, pending, width);
                pending.Clear();
            }
        }
        if (pending.Count > 0)
        {
            using var tail = Prepare(table, pending.Count);
            Execute(tail, pending, width);
        }
        return Task.CompletedTask;
    }

    void Execute(sqlite3_stmt stmt, List<object?[]> rows, int width)
    {
        for (var r = 0; r < rows.Count; r++)
        {
            for (var c = 0; c < width; c++)
            {
                var index = r * width + c + 1;
                var rc = rows[r][c] switch
                {
                    null => raw.sqlite3_bind_null(stmt, index),
                    long l => raw.sqlite3_bind_int64(stmt, index, l),
                    int i => raw.sqlite3_bind_int(stmt, index, i),
                    bool b => raw.sqlite3_bind_int(stmt, index, b ? 1 : 0),
                    string s => raw.sqlite3_bind_text(stmt, index, s),
                    var v => throw new InvalidOperationException($"seed value of type {v.GetType()} has no SQLite mapping"),
                };
                Check(rc);
            }
        }
        var step = raw.sqlite3_step(stmt);
        raw.sqlite3_reset(stmt);
        if (step != raw.SQLITE_DONE)
            Check(step);
    }

    sqlite3_stmt Prepare(SeedTable table, int rows)
    {
        var width = table.Columns.Length;
        var values = Enumerable.Range(0, rows).Select(_ => "(" + string.Join(", ", Enumerable.Repeat("?", width)) + ")");
        Check(raw.sqlite3_prepare_v2(_conn.Handle, $"INSERT INTO {table.Name} ({string.Join(", ", table.Columns)}) VALUES {string.Join(", ", values)}", out var stmt));
        return stmt;
    }

    void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
            SqliteException.ThrowExceptionForRC(rc, _conn.Handle);
    }

    public override Task CommitAsync(CancellationToken ct)
    {
        _tx!.Commit();
        _tx.Dispose();
        _tx = null;
        return Task.CompletedTask;
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var stmt in _full.Values)
            stmt.Dispose();
        if (_tx is not null)
            await _tx.DisposeAsync();
        await _conn.DisposeAsync();
    }
}
