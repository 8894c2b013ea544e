using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Quell.Jobs;
using Quell.Storage;

namespace Quell.Tests.Support;

/// <summary>
/// A migrated store of one dialect without a server: a fresh SQLite folder or a fresh PostgreSQL database, and a
/// clock the test moves by hand. <see cref="OpenDbAsync"/> gives another <see cref="Db"/> over the same store, as a
/// second process would have.
/// </summary>
public sealed class TestStore : IAsyncDisposable
{
    readonly List<Db> _dbs = [];

    TestStore(Dialect dialect, string? directory, string? pgConnectionString)
    {
        Dialect = dialect;
        Directory = directory;
        PostgresConnectionString = pgConnectionString;
        Db = Open();
    }

    public Dialect Dialect { get; }

    /// <summary>The SQLite data folder (also set on PostgreSQL, unused there).</summary>
    public string? Directory { get; }

    public string? PostgresConnectionString { get; }

    public Db Db { get; }

    /// <summary>Starts at a fixed instant so that backoff arithmetic in tests is exact.</summary>
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public StoreOptions Options => new() { DataDirectory = Directory!, Database = PostgresConnectionString };

    public static async Task<TestStore> CreateAsync(Dialect dialect, bool migrate = true)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("quell-store-").FullName;
        var pg = dialect == Dialect.Postgres ? await TestPostgres.CreateDatabaseAsync() : null;
        var store = new TestStore(dialect, dir, pg);
        if (migrate)
            await store.Migrator().MigrateAsync();
        return store;
    }

    public Migrator Migrator() => new(Db, Time, NullLogger<Migrator>.Instance);

    /// <summary>Another connection factory over the same store, like another node's.</summary>
    public Db Open()
    {
        var db = Quell.Storage.Db.Create(Options);
        _dbs.Add(db);
        return db;
    }

    /// <summary>A job queue over its own <see cref="Db"/>, on <paramref name="time"/> (default: the store's fake clock).</summary>
    public JobQueue Queue(TimeProvider? time = null) => new(Open(), time ?? Time);

    public async ValueTask DisposeAsync()
    {
        foreach (var db in _dbs)
            await db.DisposeAsync();
        if (PostgresConnectionString is not null)
            await TestPostgres.DropDatabaseAsync(PostgresConnectionString);
        try { System.IO.Directory.Delete(Directory!, recursive: true); } catch (IOException) { }
    }
}
