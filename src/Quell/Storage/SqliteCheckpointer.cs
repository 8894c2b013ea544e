using System.Data.Common;

namespace Quell.Storage;

/// <summary>
/// Copies committed WAL pages into the database file on its own connection and task (decision 226). SQLite otherwise
/// checkpoints on the connection that commits, once the WAL holds <c>wal_autocheckpoint</c> pages: with one writer
/// connection (<see cref="SqliteGroupWriter"/>), every write then waited while 32 MB were copied and synced, about a
/// sixth of the writer's time under event ingest, with the second core idle. Here a passive checkpoint, which blocks
/// neither readers nor the writer, runs at most every <see cref="Interval"/> after a commit, so when the writer's own
/// checkpoint comes due only the pages of the last interval are left to copy, and that checkpoint still lets the WAL
/// start over from its beginning.
/// </summary>
sealed class SqliteCheckpointer : IAsyncDisposable
{
    /// <summary>Commits within this time share one checkpoint, and with it its two syncs.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

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
                // Commits from here on ask for the next checkpoint; this one covers those before it starts.
                Volatile.Write(ref _signalled, 0);
                try
                {
                    conn ??= await _open(_stop.Token);
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

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _committed.Dispose();
    }
}
