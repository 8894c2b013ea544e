using Dapper;
using Microsoft.Data.Sqlite;
using Quell.Tests.Support;

namespace Quell.Tests.Storage;

/// <summary>
/// Concurrent SQLite writes share commits (SqliteGroupWriter), yet each stays all or nothing on its own: a write that
/// throws, or that breaks a constraint half-way, leaves none of its rows, and the writes around it are kept.
/// </summary>
public sealed class GroupCommitTests(SqliteServer server) : IClassFixture<SqliteServer>
{
    [Fact]
    public async Task A_failing_write_among_concurrent_ones_leaves_nothing_and_the_others_are_kept()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var writes = Enumerable.Range(0, 60).Select(i => server.Db.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync("INSERT INTO organisations (name, created_at) VALUES (@name, 0)", new { name = $"gc-{run}-{i}" }, tx);
            await c.ExecuteAsync("INSERT INTO organisations (name, created_at) VALUES (@name, 0)", new { name = $"gc-{run}-{i}-second" }, tx);
            if (i % 10 == 3)
                throw new InvalidOperationException($"write {i} fails after two inserts");
            if (i % 10 == 7)
                await c.ExecuteAsync("INSERT INTO organisations (name, created_at) VALUES (@name, 0)", new { name = $"gc-{run}-{i}" }, tx);
            return i;
        })).ToList();

        var outcomes = new List<(int I, Exception? Error)>();
        for (var i = 0; i < writes.Count; i++)
        {
            try
            {
                await writes[i];
                outcomes.Add((i, null));
            }
            catch (Exception e)
            {
                outcomes.Add((i, e));
            }
        }
        var stored = (await server.Db.ReadAsync(async c =>
            await c.QueryAsync<string>("SELECT name FROM organisations WHERE name LIKE @p", new { p = $"gc-{run}-%" }))).ToHashSet();

        foreach (var (i, error) in outcomes)
        {
            switch (i % 10)
            {
                case 3:
                    Assert.IsType<InvalidOperationException>(error);
                    break;
                case 7:
                    Assert.IsType<SqliteException>(error);
                    break;
                default:
                    Assert.Null(error);
                    break;
            }
            var kept = i % 10 is not (3 or 7);
            Assert.Equal(kept, stored.Contains($"gc-{run}-{i}"));
            Assert.Equal(kept, stored.Contains($"gc-{run}-{i}-second"));
        }
        Assert.Equal(48 * 2, stored.Count);
    }

    [Fact]
    public async Task A_failing_write_that_opens_a_group_leaves_nothing_and_the_writes_after_it_are_kept()
    {
        // The first write of a group runs without a savepoint (its failure rolls back the transaction): with the writer
        // idle before each round, the failing write opens the group and the two after it usually join that group.
        var run = Guid.NewGuid().ToString("N")[..8];
        for (var round = 0; round < 20; round++)
        {
            var name = $"gc-first-{run}-{round}";
            var failing = server.Db.WriteAsync(async (c, tx) =>
            {
                await c.ExecuteAsync("INSERT INTO organisations (name, created_at) VALUES (@name, 0)", new { name = name + "-a" }, tx);
                await c.ExecuteAsync("INSERT INTO organisations (name, created_at) VALUES (@name, 0)", new { name = name + "-b" }, tx);
                throw new InvalidOperationException("the first write fails after two inserts");
            });
            var kept = server.Db.WriteAsync(async (c, tx) =>
                await c.ExecuteAsync("INSERT INTO organisations (name, created_at) VALUES (@name, 0)", new { name = name + "-kept" }, tx));
            var duplicate = server.Db.WriteAsync(async (c, tx) =>
            {
                await c.ExecuteAsync("INSERT INTO organisations (name, created_at) VALUES (@name, 0)", new { name = name + "-dup" }, tx);
                await c.ExecuteAsync("INSERT INTO organisations (name, created_at) VALUES (@name, 0)", new { name = name + "-dup" }, tx);
            });

            await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
            await kept;
            await Assert.ThrowsAsync<SqliteException>(() => duplicate);
            var stored = (await server.Db.ReadAsync(async c =>
                await c.QueryAsync<string>("SELECT name FROM organisations WHERE name LIKE @p", new { p = name + "-%" }))).ToList();
            Assert.Equal([name + "-kept"], stored);
        }
    }

    [Fact]
    public async Task A_write_sees_the_rows_of_the_writes_committed_before_it()
    {
        var name = $"gc-seen-{Guid.NewGuid():N}";
        var first = server.Db.WriteAsync(async (c, tx) =>
            await c.ExecuteAsync("INSERT INTO organisations (name, created_at) VALUES (@name, 0)", new { name }, tx));
        var second = server.Db.WriteAsync(async (c, tx) =>
            await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM organisations WHERE name = @name", new { name }, tx));

        await first;

        Assert.Equal(1, await second);
    }
}
