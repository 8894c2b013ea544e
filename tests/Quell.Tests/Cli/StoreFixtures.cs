using Microsoft.Extensions.Logging.Abstractions;
using Quell.Identity;
using Quell.Server;
using Quell.Server.Cli.Admin;
using Quell.Tests.Support;

namespace Quell.Tests.Cli;

/// <summary>
/// A store that admin verbs open directly, set up as a first `quell serve` leaves it (migrated, organisation
/// "default", user admin), but with no server running.
/// </summary>
public abstract class StoreFixture : IAsyncLifetime
{
    public ServeSettings Settings { get; private set; } = null!;

    protected abstract Task<ServeSettings> CreateAsync();

    protected abstract Task DeleteAsync();

    public async Task InitializeAsync()
    {
        Settings = await CreateAsync();
        await using var store = await AdminStore.OpenAsync(Settings);
        await new Bootstrap(store.Db, store.Identity, store.ApiKeys, store.Audit, NullLogger<Bootstrap>.Instance).RunAsync(TestServer.AdminPassword, null);
    }

    public Task DisposeAsync() => DeleteAsync();

    /// <summary>The store opened again, for checking what a verb wrote.</summary>
    public Task<AdminStore> OpenAsync() => AdminStore.OpenAsync(Settings);
}

public sealed class SqliteStore : StoreFixture
{
    string? _dir;

    protected override Task<ServeSettings> CreateAsync()
    {
        _dir = Directory.CreateTempSubdirectory("quell-admin-").FullName;
        return Task.FromResult(new ServeSettings(null, _dir, null));
    }

    protected override Task DeleteAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir!, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}

public sealed class PostgresStore : StoreFixture
{
    string? _db;
    string? _dir;

    protected override async Task<ServeSettings> CreateAsync()
    {
        _db = await TestPostgres.CreateDatabaseAsync();
        _dir = Directory.CreateTempSubdirectory("quell-admin-pg-").FullName;
        return new ServeSettings(null, _dir, _db);
    }

    protected override async Task DeleteAsync()
    {
        await TestPostgres.DropDatabaseAsync(_db!);
        try { Directory.Delete(_dir!, recursive: true); } catch (IOException) { }
    }
}
