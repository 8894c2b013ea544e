using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Quell.Storage;

/// <summary>
/// The one storage entry point: opens connections for the configured dialect and runs work in a transaction.
/// SQL stays explicit (Dapper) in each capability folder; this class only knows how to connect and commit.
/// </summary>
public sealed class Db : IAsyncDisposable
{
    readonly NpgsqlDataSource? _pg;
    readonly string? _sqlite;

    // SQLite allows one writer at a time; queueing writers here is far cheaper than letting them spin on SQLITE_BUSY.
    readonly SemaphoreSlim _sqliteWriteLock = new(1, 1);

    Db(Dialect dialect, NpgsqlDataSource? pg, string? sqlite, string description)
    {
        Dialect = dialect;
        _pg = pg;
        _sqlite = sqlite;
        Description = description;
    }

    public Dialect Dialect { get; }

    /// <summary>Where the store is, for logs and `quell` output (no password).</summary>
    public string Description { get; }

    public bool IsPostgres => Dialect == Dialect.Postgres;

    /// <summary>Case-insensitive LIKE operator of the dialect.</summary>
    public string ILike => IsPostgres ? "ILIKE" : "LIKE";

    /// <summary>"<paramref name="column"/> is one of the values of the list parameter <paramref name="parameter"/>".</summary>
    public string In(string column, string parameter) => IsPostgres ? AnyOf(column, parameter) : $"{column} IN {parameter}";

    /// <summary>
    /// <see cref="In(string, string)"/> for code that holds only a connection. Dapper expands <c>IN @list</c> into one
    /// parameter per value on SQLite, but hands Npgsql the whole list as one array parameter, where <c>IN $1</c> is a
    /// syntax error: PostgreSQL needs <c>= ANY($1)</c>.
    /// </summary>
    public static string In(DbConnection connection, string column, string parameter) =>
        connection is NpgsqlConnection ? AnyOf(column, parameter) : $"{column} IN {parameter}";

    static string AnyOf(string column, string parameter) => $"{column} = ANY({parameter})";

    public static Db Create(StoreOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.Database))
        {
            var cs = PostgresConnectionString.Normalize(options.Database);
            var builder = new NpgsqlConnectionStringBuilder(cs);
            var ds = new NpgsqlDataSourceBuilder(cs).Build();
            return new Db(Dialect.Postgres, ds, null, $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}");
        }

        Directory.CreateDirectory(options.DataDirectory);
        var path = Path.GetFullPath(Path.Combine(options.DataDirectory, "quell.db"));
        var sqlite = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        return new Db(Dialect.Sqlite, null, sqlite, $"SQLite {path}");
    }

    public async Task<DbConnection> OpenAsync(CancellationToken ct = default)
    {
        if (_pg is not null)
            return await _pg.OpenConnectionAsync(ct);

        var conn = new SqliteConnection(_sqlite);
        await conn.OpenAsync(ct);
        // Per-connection settings; cheap enough to repeat on pooled connections.
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";
        await cmd.ExecuteNonQueryAsync(ct);
        return conn;
    }

    /// <summary>Runs read-only work on a fresh connection.</summary>
    public async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken ct = default)
    {
        await using var conn = await OpenAsync(ct);
        return await work(conn);
    }

    /// <summary>Attempts of a PostgreSQL transaction that the server aborted to resolve a deadlock.</summary>
    public const int MaxDeadlockAttempts = 5;

    /// <summary>
    /// Runs work in one transaction: committed when the delegate returns, rolled back when it throws,
    /// so a rejected request never leaves a half-written state. <paramref name="work"/> must touch only the
    /// database: on PostgreSQL it is run again when the server aborts the transaction to break a deadlock.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct = default)
    {
        if (IsPostgres)
        {
            // Concurrent writers lock rows and the audit chain in different orders (two bulk posts naming the same
            // alerts, a post holding its alert while it waits for the chain): PostgreSQL then aborts one of them
            // with 40P01. Running the victim again is the documented remedy; the other transaction has gone ahead.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await RunAsync(work, ct);
                }
                catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < MaxDeadlockAttempts)
                {
                    await Task.Delay(Random.Shared.Next(5, 25) * attempt, ct);
                }
            }
        }

        await _sqliteWriteLock.WaitAsync(ct);
        try
        {
            return await RunAsync(work, ct);
        }
        finally
        {
            _sqliteWriteLock.Release();
        }
    }

    readonly System.Runtime.CompilerServices.ConditionalWeakTable<DbTransaction, List<Func<Task>>> _beforeCommit = new();

    /// <summary>
    /// Runs <paramref name="action"/> just before <paramref name="tx"/> commits, after all of its work. Returns false
    /// (and does nothing) when <paramref name="tx"/> was not opened by <see cref="WriteAsync{T}"/>.
    /// </summary>
    public bool BeforeCommit(DbTransaction tx, Func<Task> action)
    {
        if (!_beforeCommit.TryGetValue(tx, out var actions))
            return false;
        actions.Add(action);
        return true;
    }

    async Task<T> RunAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var beforeCommit = new List<Func<Task>>();
        _beforeCommit.Add(tx, beforeCommit);
        try
        {
            var result = await work(conn, tx);
            foreach (var action in beforeCommit)
                await action();
            await tx.CommitAsync(ct);
            return result;
        }
        finally
        {
            _beforeCommit.Remove(tx);
        }
    }

    public Task WriteAsync(Func<DbConnection, DbTransaction, Task> work, CancellationToken ct = default) =>
        WriteAsync<bool>(async (c, t) =>
        {
            await work(c, t);
            return true;
        }, ct);

    /// <summary>True when the store answers a trivial query.</summary>
    public async Task<bool> PingAsync(CancellationToken ct = default)
    {
        try
        {
            await using var conn = await OpenAsync(ct);
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = "SELECT 1";
            await cmd.ExecuteScalarAsync(ct);
            return true;
        }
        catch (Exception e) when (e is DbException or IOException or InvalidOperationException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_pg is not null)
            await _pg.DisposeAsync();
        if (_sqlite is not null)
            SqliteConnection.ClearAllPools();
        _sqliteWriteLock.Dispose();
    }
}
