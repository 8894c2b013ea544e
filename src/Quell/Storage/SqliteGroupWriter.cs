using System.Data.Common;
using System.Threading.Channels;

namespace Quell.Storage;

/// <summary>
/// SQLite's writes, one at a time on one connection, with group commit: the writes that queue up while one runs are
/// run next in the same SQLite transaction, each but the first inside its own savepoint, and committed together.
/// Every write keeps the guarantees of a transaction of its own: it is all or nothing (a failing write is rolled back
/// to its savepoint and fails alone; a failing first write rolls back the transaction, which holds only it), it is
/// durable before its caller hears of it (callers are answered after the commit), and nobody sees it half done.
/// What is shared is the commit: SQLite writes each dirty page to the WAL once per commit, and an alert with its
/// observables, tags and audit entry dirties about 20 pages, mostly the same ones as the alert before. With one
/// commit per write, those page writes were most of the intake cost (docs/benchmarks.md).
/// Under low load a group is one write, so nothing waits for a group to fill.
/// </summary>
sealed class SqliteGroupWriter : IAsyncDisposable
{
    /// <summary>At most this many writes share a commit, so one commit's latency stays bounded.</summary>
    public const int MaxGroup = 64;

    const string Savepoint = "quell_write";

    readonly Func<CancellationToken, Task<DbConnection>> _open;
    readonly Channel<Write> _queue = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });
    readonly Task _loop;
    readonly SqliteCheckpointer _checkpointer;
    DbConnection? _conn;

    public SqliteGroupWriter(Func<CancellationToken, Task<DbConnection>> open)
    {
        _open = open;
        _checkpointer = new SqliteCheckpointer(open);
        _loop = Task.Run(LoopAsync);
    }

    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var write = new Write<T>(work, ct);
        if (!_queue.Writer.TryWrite(write))
            throw new ObjectDisposedException(nameof(Db), "the store is shutting down; the write was not made");
        return write.Task;
    }

    async Task LoopAsync()
    {
        var done = new List<Write>(MaxGroup);
        while (await _queue.Reader.WaitToReadAsync())
        {
            done.Clear();
            DbTransaction? tx = null;
            try
            {
                _conn ??= await OpenAsync();
                tx = await _conn.BeginTransactionAsync();
                while (done.Count < MaxGroup && _queue.Reader.TryRead(out var write))
                {
                    if (write.Cancelled)
                        continue;
                    if (done.Count == 0)
                    {
                        // The first write of a group runs without a savepoint, as the only write of its transaction: a
                        // failure rolls back the transaction, which holds nothing else. Inside a savepoint SQLite
                        // keeps every page the write changes in an in-memory sub-journal, and at the end of each
                        // multi-row statement walks that journal's chunk list from its start, so a large write (a
                        // retro-hunt's alerts, an import batch) cost time quadratic in its size (decision 176).
                        try
                        {
                            await write.RunAsync(_conn, tx);
                        }
                        catch (Exception e)
                        {
                            write.Fail(e);
                            await tx.RollbackAsync();
                            await tx.DisposeAsync();
                            tx = await _conn.BeginTransactionAsync();
                            continue;
                        }
                        done.Add(write);
                        continue;
                    }
                    Execute(tx, "SAVEPOINT " + Savepoint);
                    try
                    {
                        await write.RunAsync(_conn, tx);
                    }
                    catch (Exception e)
                    {
                        // Its caller learns at once; its rows go with the savepoint. Should the rollback itself fail,
                        // the catch below abandons the whole group, which then fails every write in it.
                        write.Fail(e);
                        Execute(tx, "ROLLBACK TO " + Savepoint);
                        Execute(tx, "RELEASE " + Savepoint);
                        continue;
                    }
                    Execute(tx, "RELEASE " + Savepoint);
                    done.Add(write);
                }
                if (done.Count > 0)
                {
                    await tx.CommitAsync();
                    _checkpointer.Committed();
                }
                await tx.DisposeAsync();
            }
            catch (Exception e)
            {
                // Nothing of this group is stored (the transaction rolls back on dispose): fail all of it, and start the
                // next group on a fresh connection in case this one is broken.
                if (tx is not null)
                    await RollBackQuietlyAsync(tx);
                foreach (var write in done)
                    write.Fail(e);
                done.Clear();
                // When the connection cannot even be opened, fail the next write too, so the loop makes progress
                // (and reports the cause) instead of retrying forever while its callers wait.
                if (_conn is null && _queue.Reader.TryRead(out var next))
                    next.Fail(e);
                if (_conn is not null)
                    await _conn.DisposeAsync();
                _conn = null;
            }
            foreach (var write in done)
                write.Complete();
        }
    }

    static async Task RollBackQuietlyAsync(DbTransaction tx)
    {
        try
        {
            await tx.DisposeAsync();
        }
        catch (DbException)
        {
            // The connection is broken: it is thrown away next, and its transaction with it.
        }
        catch (InvalidOperationException)
        {
            // The transaction was already completed or rolled back by SQLite itself.
        }
    }

    void Execute(DbTransaction tx, string sql)
    {
        using var cmd = _conn!.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        cmd.ExecuteNonQuery();
    }

    async Task<DbConnection> OpenAsync()
    {
        var conn = new StatementCachingConnection((Microsoft.Data.Sqlite.SqliteConnection)await _open(CancellationToken.None));
        await using var cmd = conn.CreateCommand();
        // Savepoints keep a sub-journal of the pages each write changes; in a file that doubled the cost of a write.
        // A 16 MB page cache holds a group's dirty pages and the hot tails of the tables and indexes; 64 MB cost 13%
        // more CPU per alert and grew the process by 90 MB over a run (docs/benchmarks.md, memory).
        // Checkpoints every 8,000 WAL pages (32 MB) instead of 1,000: the pages intake rewrites all the time (the tails
        // of the tables and their indexes) are then copied back once per checkpoint instead of eight times, which took
        // intake from 2,070 to 2,400 alerts/s. Larger gained nothing more. Most pages are copied before then by the
        // background checkpointer (decision 226); this checkpoint copies the rest and lets the WAL start over.
        cmd.CommandText = "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16384; PRAGMA wal_autocheckpoint = 8000;";
        await cmd.ExecuteNonQueryAsync();
        return conn;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
        await _checkpointer.DisposeAsync();
        if (_conn is not null)
            await _conn.DisposeAsync();
    }

    abstract class Write
    {
        public abstract bool Cancelled { get; }
        public abstract Task RunAsync(DbConnection c, DbTransaction tx);
        public abstract void Complete();
        public abstract void Fail(Exception e);
    }

    sealed class Write<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct) : Write
    {
        readonly TaskCompletionSource<T> _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
        // The write runs in its caller's execution context (logging scopes, activity), not the writer loop's.
        readonly ExecutionContext? _context = ExecutionContext.Capture();
        T? _result;

        public Task<T> Task => _tcs.Task;

        public override bool Cancelled
        {
            get
            {
                if (!ct.IsCancellationRequested)
                    return false;
                _tcs.TrySetCanceled(ct);
                return true;
            }
        }

        public override async Task RunAsync(DbConnection c, DbTransaction tx)
        {
            Task<T>? running = null;
            if (_context is null)
                running = work(c, tx);
            else
                ExecutionContext.Run(_context, _ => running = work(c, tx), null);
            _result = await running!;
        }

        public override void Complete() => _tcs.TrySetResult(_result!);

        public override void Fail(Exception e)
        {
            if (e is OperationCanceledException && ct.IsCancellationRequested)
                _tcs.TrySetCanceled(ct);
            else
                _tcs.TrySetException(e);
        }
    }
}
