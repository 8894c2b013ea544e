using Dapper;
using Quell.Storage;

namespace Quell.Tests.Storage;

/// <summary>
/// Committed pages reach the database file through the background checkpointer (decision 226), not only when the WAL
/// holds the writer's <c>wal_autocheckpoint</c> pages (8,000): once <see cref="SqliteCheckpointer.MinFrames"/> frames
/// wait, they are copied within moments; fewer stay in the WAL.
/// </summary>
public sealed class BackgroundCheckpointTests
{
    [Fact]
    public async Task Pages_beyond_the_checkpointers_threshold_are_copied_into_the_database_file_and_fewer_are_not()
    {
        var dir = Directory.CreateTempSubdirectory("quell-checkpoint-");
        try
        {
            await using var db = Db.Create(new StoreOptions { DataDirectory = dir.FullName });
            await db.WriteAsync(async (c, tx) => await c.ExecuteAsync("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)", transaction: tx));
            var file = Path.Combine(dir.FullName, "quell.db");
            var before = new FileInfo(file).Length;

            // About 500 pages of 4 KB: below the threshold, so they stay in the WAL.
            await InsertAsync(db, 500);
            await Task.Delay(SqliteCheckpointer.Interval * 10);
            Assert.Equal(before, new FileInfo(file).Length);

            // 3,000 pages more: past the threshold, far below the writer's own 8,000. At least the threshold's worth is
            // copied; what the last commits add after that may wait for the next commit.
            await InsertAsync(db, 3000);
            var copied = before + SqliteCheckpointer.MinFrames * 4096L;
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (new FileInfo(file).Length < copied && DateTime.UtcNow < deadline)
                await Task.Delay(50);

            Assert.True(new FileInfo(file).Length >= copied, $"the database file holds {new FileInfo(file).Length} bytes, {before} before the writes");
            Assert.Equal(3500L, await db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM blobs")));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            dir.Delete(true);
        }
    }

    static async Task InsertAsync(Db db, int rows)
    {
        for (var done = 0; done < rows; done += 250)
            await db.WriteAsync(async (c, tx) =>
            {
                for (var i = 0; i < Math.Min(250, rows - done); i++)
                    await c.ExecuteAsync("INSERT INTO blobs (data) VALUES (randomblob(4000))", transaction: tx);
            });
    }
}
