using Dapper;
using Quell.Storage;
using Quell.Storage.Migrations;
using Quell.Tests.Support;

namespace Quell.Tests.Storage;

public abstract class MigrationTests(Dialect dialect)
{
    [Fact]
    public async Task Migrating_a_fresh_store_applies_every_version_and_a_second_run_applies_none()
    {
        await using var store = await TestStore.CreateAsync(dialect, migrate: false);

        Assert.Equal(Schema.All.Count, await store.Migrator().MigrateAsync());
        Assert.Equal(0, await store.Migrator().MigrateAsync());

        var rows = (await store.Db.ReadAsync(c => c.QueryAsync<(int Version, string Name, long AppliedAt)>(
            "SELECT version, name, applied_at FROM schema_migrations ORDER BY version"))).ToList();
        Assert.Equal(Schema.All.Select(m => (m.Version, m.Name)), rows.Select(r => (r.Version, r.Name)));
        Assert.All(rows, r => Assert.Equal(store.Time.GetUtcNow().ToUnixTimeMilliseconds(), r.AppliedAt));
    }

    [Fact]
    public async Task Only_migrations_added_since_the_last_run_are_applied()
    {
        await using var store = await TestStore.CreateAsync(dialect);
        var next = Schema.All.Max(m => m.Version) + 1;
        var added = Schema.All.Append(new Migration(next, "test-extra", "CREATE TABLE test_extra (id {id}, flag {bool} NOT NULL DEFAULT {true})")).ToList();

        Assert.Equal(1, await store.Migrator().MigrateAsync(added));
        Assert.Equal(0, await store.Migrator().MigrateAsync(added));
        await store.Db.WriteAsync((c, tx) => c.ExecuteAsync("INSERT INTO test_extra DEFAULT VALUES", transaction: tx));
        Assert.True(await store.Db.ReadAsync(c => c.ExecuteScalarAsync<bool>("SELECT flag FROM test_extra")));
    }

    [Fact]
    public async Task A_failing_migration_leaves_neither_its_tables_nor_its_version_behind()
    {
        await using var store = await TestStore.CreateAsync(dialect);
        var next = Schema.All.Max(m => m.Version) + 1;
        var broken = Schema.All.Append(new Migration(next, "broken", "CREATE TABLE test_half (id {id}); CREATE TABLE nonsense (")).ToList();

        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => store.Migrator().MigrateAsync(broken));

        var versions = await store.Db.ReadAsync(c => c.QueryAsync<int>("SELECT version FROM schema_migrations"));
        Assert.DoesNotContain(next, versions);
        // SQLite runs a multi-statement text one statement at a time, so only PostgreSQL rolls back the first table
        // in every case; on both, the version is absent and the next start tries the whole step again.
        if (dialect == Dialect.Postgres)
            Assert.Equal(0, await store.Db.ReadAsync(c => c.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'test_half'")));
    }

    [Fact]
    public void Versions_are_unique_and_increasing_and_render_without_placeholders()
    {
        Assert.Equal(Schema.All.Select(m => m.Version).Order(), Schema.All.Select(m => m.Version));
        Assert.Equal(Schema.All.Count, Schema.All.Select(m => m.Version).Distinct().Count());
        foreach (var m in Schema.All)
            Assert.DoesNotContain("{", m.Render(dialect));
    }
}

public sealed class MigrationTestsOnSqlite() : MigrationTests(Dialect.Sqlite);

public sealed class MigrationTestsOnPostgres() : MigrationTests(Dialect.Postgres)
{
    [Fact]
    public async Task Nodes_starting_together_migrate_once_under_the_advisory_lock()
    {
        await using var store = await TestStore.CreateAsync(Dialect.Postgres, migrate: false);
        var migrators = Enumerable.Range(0, 4).Select(_ => new Migrator(store.Open(), store.Time, Microsoft.Extensions.Logging.Abstractions.NullLogger<Migrator>.Instance));

        var applied = await Task.WhenAll(migrators.Select(m => Task.Run(() => m.MigrateAsync())));

        Assert.Equal(Schema.All.Count, applied.Sum());
        Assert.Equal(Schema.All.Count, await store.Db.ReadAsync(c => c.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM schema_migrations")));
    }
}
