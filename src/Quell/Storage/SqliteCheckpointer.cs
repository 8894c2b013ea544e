using System.Data.Common;

namespace Quell.Storage;

/// <summary>
/// Copies committed WAL pages into the database file on its own connection and task (decision 226). SQLite otherwise
/// checkpoints on the connection that commits, once the WAL holds <c>wal_autocheckpoint</c> pages: with one writer
/// connection (<see cref="SqliteGroupWriter"/>), every write then waited while 32 MB were copied and synced, about a
/// sixth of the writer's time under event ingest, with the second core idle. Here a passive checkpoint, which blocks
/// neither readers nor the writer, runs after a commit once <see cref="MinFrames"/> frames wait to be copied, so when
/// the writer's own checkpoint comes due few pages are left to copy, and that checkpoint still lets the WAL start over
/// from its beginning. Waiting for a quarter of the writer's threshold keeps pages that every write changes (the tails
/// of alerts and their indexes) from being copied back many times over (decision 21).
/// </summary>
sealed class SqliteCheckpointer : IAsyncDisposable
{
    /// <summary>Commits within this time share one checkpoint, and with it its two syncs.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>Frames (pages) the WAL must hold beyond the last checkpoint before one runs: 8 MB of 4 KB pages.</summary>
    public const int MinFrames = 2000;

    readonly Func<CancellationToken, Task<DbConnection>> _open;
    readonly SemaphoreSlim _committed = new(0, 1);
    readonly CancellationTokenSource _stop = new();
    readonly Task _loop;
    int _signalled;

    public SqliteCheckpointer(Func<CancellationToken, Task<DbConnection>> open)
    {
        _open = open;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Called after each commit; cheap, never waits.</summary>
    public void Committed()
    {
        if (Interlocked.Exchange(ref _signalled, 1) == 0)
            _committed.Release();
    }

    async Task LoopAsync()
    {
        DbConnection? conn = null;
        try
        {
            while (true)
            {
                await _committed.WaitAsync(_stop.Token);
                await Task.Delay(Interval, _stop.Token);
                // Commits from here on ask for the next look; this one covers those before it.
                Volatile.Write(ref _signalled, 0);
                try
                {
                    conn ??= await _open(_stop.Token);
                    if (UncopiedFrames(conn) is { } frames && frames < MinFrames)
                        continue;
                    await using var cmd = conn.CreateCommand();
                    cmd.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                    await cmd.ExecuteNonQueryAsync(_stop.Token);
                }
                catch (DbException)
                {
                    // The writer's own checkpoints still run; try again after the next commit on a fresh connection.
                    if (conn is not null)
                        await conn.DisposeAsync();
                    conn = null;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        finally
        {
            if (conn is not null)
                await conn.DisposeAsync();
        }
    }

    /// <summary>
    /// The frames committed to the WAL and not yet copied (<c>mxFrame − nBackfill</c>), read from the wal-index header
    /// in the <c>-shm</c> file (offsets 16 and 96, native byte order: https://www.sqlite.org/walformat.html); null when
    /// it cannot be read, and then every look checkpoints. A torn read only moves one checkpoint a little.
    /// </summary>
    static long? UncopiedFrames(DbConnection conn)
    {
        try
        {
            using var shm = File.OpenHandle(conn.DataSource + "-shm", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            Span<byte> header = stackalloc byte[100];
            if (RandomAccess.Read(shm, header, 0) < header.Length)
                return null;
            var maxFrame = BitConverter.ToUInt32(header[16..]);
            var backfilled = BitConverter.ToUInt32(header[96..]);
            return maxFrame >= backfilled ? maxFrame - backfilled : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _committed.Dispose();
    }
}
