using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Quell.Audit;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Server.Cli.Admin;

/// <summary>
/// The store opened directly by an admin verb, the same way `quell serve` opens it (--data / --db), with pending
/// migrations applied first so a verb never writes into an older schema. No server needs to run; with SQLite a
/// running server and an admin verb share the file safely (WAL, busy timeout).
/// </summary>
public sealed class AdminStore : IAsyncDisposable
{
    /// <summary>Actor of every audit entry an admin verb writes.</summary>
    public const string Actor = "cli";

    AdminStore(Db db, TimeProvider time)
    {
        Db = db;
        Time = time;
        Audit = new AuditLog(db, time);
        Identity = new IdentityStore(db, time, Options.Create(new IdentityOptions()));
        ApiKeys = new ApiKeys(time);
    }

    public Db Db { get; }
    public TimeProvider Time { get; }
    public AuditLog Audit { get; }
    public IdentityStore Identity { get; }
    public ApiKeys ApiKeys { get; }

    /// <summary>Migrations applied by this open; more than zero means the store was new (or older than this binary).</summary>
    public int MigrationsApplied { get; private set; }

    /// <summary>Opens and migrates the store; failures become exit code 3 (2 for a malformed --db).</summary>
    public static async Task<AdminStore> OpenAsync(ServeSettings settings, TimeProvider? time = null, CancellationToken ct = default)
    {
        time ??= TimeProvider.System;
        Db db;
        try
        {
            db = Db.Create(new StoreOptions { DataDirectory = settings.DataDirectory, Database = settings.Database });
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new CliFailure(ExitCodes.Usage, $"--db is not a valid PostgreSQL connection string: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliFailure(ExitCodes.Unreachable, $"cannot open the data folder {settings.DataDirectory}: {e.Message}");
        }
        var store = new AdminStore(db, time);
        try
        {
            store.MigrationsApplied = await new Migrator(db, time, NullLogger<Migrator>.Instance).MigrateAsync(ct: ct);
            return store;
        }
        catch (Exception e) when (e is DbException or SocketException or IOException or UnauthorizedAccessException or TimeoutException)
        {
            await store.DisposeAsync();
            throw new CliFailure(ExitCodes.Unreachable, $"cannot open the store ({db.Description}): {Reason(e)}",
                [settings.Database is null ? "check --data (or QUELL_DATA) and that this user may write there" : "check --db (or QUELL_DB) and that PostgreSQL is running and accepts this user"]);
        }
    }

    static string Reason(Exception e) => e is NpgsqlException { InnerException: { } inner } && e is not PostgresException ? $"{e.Message} ({inner.Message})" : e.Message;

    public ValueTask DisposeAsync() => Db.DisposeAsync();
}
