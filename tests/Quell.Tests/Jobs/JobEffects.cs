using System.Data.Common;
using Dapper;
using Quell.Storage;

namespace Quell.Tests.Jobs;

/// <summary>A test table that job handlers write their effect to, so a test can count how often a job took effect.</summary>
public static class JobEffects
{
    public static Task CreateTableAsync(Db db) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync("CREATE TABLE IF NOT EXISTS job_effects (job_id BIGINT NOT NULL, worker TEXT NOT NULL)", transaction: tx));

    public static Task InsertAsync(DbConnection c, DbTransaction tx, long jobId, string worker) =>
        c.ExecuteAsync("INSERT INTO job_effects (job_id, worker) VALUES (@jobId, @worker)", new { jobId, worker }, tx);

    public static async Task<IReadOnlyList<string>> WorkersAsync(Db db, long jobId) =>
        (await db.ReadAsync(c => c.QueryAsync<string>("SELECT worker FROM job_effects WHERE job_id = @jobId ORDER BY worker", new { jobId }))).AsList();
}
