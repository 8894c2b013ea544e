using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Npgsql;
using SQLitePCL;

namespace Quell.Storage;

/// <summary>
/// The one storage entry point: opens connections for the configured dialect and runs work in a transaction.
/// SQL stays explicit (Dapper) in each capability folder; this class only knows how to connect and commit.
/// </summary>
public sealed class Db : IAsyncDisposable
{
    readonly NpgsqlDataSource? _pg;
    readonly string? _sqlite;

    // SQLite allows one writer at a time; queueing writers here is far cheaper than letting them spin on SQLITE_BUSY,
    // and lets writes that queue up share a commit (SqliteGroupWriter).
    readonly SqliteGroupWriter? _sqliteWriter;

    Db(Dialect dialect, NpgsqlDataSource? pg, string? sqlite, string description)
    {
        Dialect = dialect;
        _pg = pg;
        _sqlite = sqlite;
        Description = description;
        if (sqlite is not null)
            _sqliteWriter = new SqliteGroupWriter(OpenAsync);
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

    /// <summary>
    /// <see cref="In(string, string)"/> for long lists, with the list bound as one value: an array on PostgreSQL, a
    /// JSON array read by <c>json_each</c> on SQLite. Dapper binds <c>IN @list</c> as one parameter per value, and SQLite
    /// finds each by name with a linear scan: at 500 values that is 125,000 name comparisons per statement.
    /// </summary>
    public (string Sql, object Value) InMany(string column, string parameter, IReadOnlyCollection<string> values) =>
        IsPostgres
            ? (AnyOf(column, parameter), values.ToArray())
            : ($"{column} IN (SELECT value FROM json_each({parameter}))", System.Text.Json.JsonSerializer.Serialize(values));

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
        // Per-connection settings, applied once per physical connection: pooled connections keep them, and four
        // statements per request were a measurable share of intake time.
        if (!Configured.TryGetValue(conn.Handle!, out _))
        {
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";
            await cmd.ExecuteNonQueryAsync(ct);
            Configured.AddOrUpdate(conn.Handle!, Configured);
        }
        return conn;
    }

    static readonly ConditionalWeakTable<sqlite3, object> Configured = [];

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
    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct = default) =>
        IsPostgres
            ? WritePostgresAsync(work, ct)
            // SQLite: one writer connection with group commit; each write runs inside its own savepoint there.
            : _sqliteWriter!.WriteAsync((conn, tx) => RunInAsync(conn, tx, work), ct);

    async Task<T> WritePostgresAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
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
    }

    /// <summary>What one unit of work of <see cref="WriteAsync{T}"/> carries beside its transaction.</summary>
    sealed class WriteScope
    {
        public List<Func<Task>> BeforeCommit { get; } = [];
        public Dictionary<object, object> Items { get; } = [];
    }

    readonly System.Runtime.CompilerServices.ConditionalWeakTable<DbTransaction, WriteScope> _scopes = new();

    /// <summary>
    /// Runs <paramref name="action"/> just before <paramref name="tx"/> commits, after all of its work. Returns false
    /// (and does nothing) when <paramref name="tx"/> was not opened by <see cref="WriteAsync{T}"/>.
    /// </summary>
    public bool BeforeCommit(DbTransaction tx, Func<Task> action)
    {
        if (!_scopes.TryGetValue(tx, out var scope))
            return false;
        scope.BeforeCommit.Add(action);
        return true;
    }

    /// <summary>
    /// The item of <paramref name="key"/> that lives as long as the unit of work of <paramref name="tx"/> (made by
    /// <paramref name="create"/> on first use), e.g. what to do once before commit; null when <paramref name="tx"/>
    /// was not opened by <see cref="WriteAsync{T}"/>. Keyed by unit of work, not by transaction object, because
    /// Npgsql reuses its transaction objects.
    /// </summary>
    public T? Scoped<T>(DbTransaction tx, object key, Func<T> create) where T : class
    {
        if (!_scopes.TryGetValue(tx, out var scope))
            return null;
        if (!scope.Items.TryGetValue(key, out var item))
            scope.Items[key] = item = create();
        return (T)item;
    }

    async Task<T> RunAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var result = await RunInAsync(conn, tx, work);
        await tx.CommitAsync(ct);
        return result;
    }

    /// <summary>
    /// Runs one unit of work and its before-commit actions in <paramref name="tx"/>. The SQLite group writer runs its
    /// writes one after another in a shared transaction, so "before commit" there means at the end of the write,
    /// inside its savepoint — the same all-or-nothing unit.
    /// </summary>
    async Task<T> RunInAsync<T>(DbConnection conn, DbTransaction tx, Func<DbConnection, DbTransaction, Task<T>> work)
    {
        var scope = new WriteScope();
        _scopes.Add(tx, scope);
        try
        {
            var result = await work(conn, tx);
            // By index: an action may add another (auto-enrichment's queueing appends to the audit log).
            for (var i = 0; i < scope.BeforeCommit.Count; i++)
                await scope.BeforeCommit[i]();
            return result;
        }
        finally
        {
            _scopes.Remove(tx);
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
        if (_sqliteWriter is not null)
            await _sqliteWriter.DisposeAsync();
        if (_sqlite is not null)
            SqliteConnection.ClearAllPools();
    }
}
