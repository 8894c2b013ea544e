using Dapper;
using Quell.Storage;

namespace Quell.Tests.Storage;

/// <summary>
/// Committed pages reach the database file through the background checkpointer (decision 226), not only when the WAL
/// holds the writer's <c>wal_autocheckpoint</c> pages: a few megabytes, far below that, are copied within moments.
/// </summary>
public sealed class BackgroundCheckpointTests
{
    [Fact]
    public async Task Pages_a_write_commits_are_copied_into_the_database_file_without_the_writer_checkpointing()
    {
        var dir = Directory.CreateTempSubdirectory("quell-checkpoint-");
        try
        {
            await using var db = Db.Create(new StoreOptions { DataDirectory = dir.FullName });
            await db.WriteAsync(async (c, tx) => await c.ExecuteAsync("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)", transaction: tx));
            var file = Path.Combine(dir.FullName, "quell.db");
            var before = new FileInfo(file).Length;
            // 4 MB in 1,000 pages of 4 KB: an eighth of the writer's own checkpoint threshold (8,000 pages).
            for (var batch = 0; batch < 4; batch++)
                await db.WriteAsync(async (c, tx) =>
                {
                    for (var i = 0; i < 256; i++)
                        await c.ExecuteAsync("INSERT INTO blobs (data) VALUES (randomblob(4000))", transaction: tx);
                });

            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (new FileInfo(file).Length < before + 4_000_000 && DateTime.UtcNow < deadline)
                await Task.Delay(50);

            Assert.True(new FileInfo(file).Length >= before + 4_000_000, $"the database file holds {new FileInfo(file).Length} bytes, {before} before the writes");
            Assert.Equal(1024L, await db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM blobs")));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            dir.Delete(true);
        }
    }
}
