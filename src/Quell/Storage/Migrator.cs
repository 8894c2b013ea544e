using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Logging;
using Quell.Storage.Migrations;

namespace Quell.Storage;

/// <summary>Applies pending migrations at start, each in its own transaction, and records them in schema_migrations.</summary>
public sealed partial class Migrator(Db db, TimeProvider time, ILogger<Migrator> logger)
{
    // Several nodes may start at once against one PostgreSQL: one of them migrates, the others wait on this lock.
    const long PostgresMigrationLock = 0x5155454C4C01;

    public async Task<int> MigrateAsync(IReadOnlyList<Migration>? migrations = null, CancellationToken ct = default)
    {
        migrations ??= Schema.All;
        await using var conn = await db.OpenAsync(ct);
        if (db.IsPostgres)
            await conn.ExecuteAsync("SELECT pg_advisory_lock(@k)", new { k = PostgresMigrationLock }, commandTimeout: 0);
        try
        {
            await conn.ExecuteAsync(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            var applied = (await conn.QueryAsync<int>("SELECT version FROM schema_migrations")).ToHashSet();
            var count = 0;
            foreach (var m in migrations.OrderBy(m => m.Version))
            {
                if (applied.Contains(m.Version))
                    continue;
                await ApplyAsync(conn, m, ct);
                LogApplied(logger, m.Version, m.Name, db.Dialect);
                count++;
            }
            return count;
        }
        finally
        {
            if (db.IsPostgres)
                await conn.ExecuteAsync("SELECT pg_advisory_unlock(@k)", new { k = PostgresMigrationLock });
        }
    }

    async Task ApplyAsync(DbConnection conn, Migration m, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        // No command timeout: a step that rebuilds a table of millions of rows takes minutes, and cut off it would
        // fail the start of every node; the advisory lock already keeps other nodes waiting, not failing.
        await conn.ExecuteAsync(m.Render(db.Dialect), transaction: tx, commandTimeout: 0);
        await conn.ExecuteAsync(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @At)",
            new { m.Version, m.Name, At = time.GetUtcNow().ToUnixTimeMilliseconds() }, tx);
        await tx.CommitAsync(ct);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Applied migration {Version} ({Name}) on {Dialect}")]
    static partial void LogApplied(ILogger logger, int version, string name, Dialect dialect);
}
