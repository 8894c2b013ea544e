using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Quell.Storage;

namespace Quell.Audit;

/// <summary>One mutation: who did what to which entity, with its state before and after.</summary>
public sealed record AuditEntry(long? OrgId, string Actor, string Action, string EntityType, string EntityId, object? Before, object? After);

/// <summary>
/// Append-only, hash-chained audit log. Each row's hash covers the previous row's hash and all of its own fields,
/// so editing or deleting any row breaks every hash after it. Appends run inside the caller's transaction: the
/// audit row exists exactly when the mutation it describes does.
/// </summary>
public sealed class AuditLog(Db db, TimeProvider time)
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    // The chain has one tail; on PostgreSQL concurrent transactions take turns appending through this lock.
    const long PostgresChainLock = 0x5155454C4C02;

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Appends the entry in the caller's transaction. On PostgreSQL the row is written just before that transaction
    /// commits: the chain lock is then the last lock it takes, held only for the append and the commit. Taken in the
    /// middle, it deadlocked with row locks that other writers held while waiting for it.
    /// </summary>
    public async Task AppendAsync(DbConnection conn, DbTransaction tx, AuditEntry entry)
    {
        var row = RowOf(entry);
        if (!db.IsPostgres || !db.BeforeCommit(tx, () => WriteAsync(conn, tx, row)))
            await WriteAsync(conn, tx, row);
    }

    /// <summary>
    /// Appends entries in this order with one read of the chain's tail and multi-row inserts (a retro-hunt writes
    /// thousands of alerts in one transaction); the rows and hashes are those that appending one by one would give.
    /// </summary>
    public async Task AppendManyAsync(DbConnection conn, DbTransaction tx, IReadOnlyList<AuditEntry> entries)
    {
        if (entries.Count == 0)
            return;
        var rows = entries.Select(RowOf).ToList();
        if (!db.IsPostgres || !db.BeforeCommit(tx, () => WriteManyAsync(conn, tx, rows)))
            await WriteManyAsync(conn, tx, rows);
    }

    async Task WriteManyAsync(DbConnection conn, DbTransaction tx, List<AuditRow> rows)
    {
        if (db.IsPostgres)
            await conn.ExecuteAsync("SELECT pg_advisory_xact_lock(@k)", new { k = PostgresChainLock }, tx);
        var prev = await conn.ExecuteScalarAsync<string?>("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1", transaction: tx) ?? GenesisHash;
        foreach (var row in rows)
        {
            row.PrevHash = prev;
            prev = row.Hash = ComputeHash(row);
        }
        // Rows are inserted in list order (MultiRowValues), so the chain's order (by id) is this list's.
        foreach (var chunk in rows.Chunk(RowsPerInsert))
        {
            var p = new DynamicParameters();
            var values = MultiRowValues.Rows(conn, p, chunk, r => r.At, r => r.OrgId, r => r.Actor, r => r.Action, r => r.EntityType, r => r.EntityId,
                r => r.BeforeJson, r => r.AfterJson, r => r.PrevHash, r => r.Hash);
            await conn.ExecuteAsync($"INSERT INTO audit_log (at, org_id, actor, action, entity_type, entity_id, before_json, after_json, prev_hash, hash) {values}", p, tx);
        }
    }

    // Ten parameters a row: 400 per statement stays well inside both dialects' limits.
    const int RowsPerInsert = 40;

    AuditRow RowOf(AuditEntry entry) =>
        new()
        {
            At = time.GetUtcNow().ToUnixTimeMilliseconds(),
            OrgId = entry.OrgId,
            Actor = entry.Actor,
            Action = entry.Action,
            EntityType = entry.EntityType,
            EntityId = entry.EntityId,
            BeforeJson = entry.Before is null ? null : JsonSerializer.Serialize(entry.Before, Json),
            AfterJson = entry.After is null ? null : JsonSerializer.Serialize(entry.After, Json),
        };

    async Task WriteAsync(DbConnection conn, DbTransaction tx, AuditRow row)
    {
        if (db.IsPostgres)
            await conn.ExecuteAsync("SELECT pg_advisory_xact_lock(@k)", new { k = PostgresChainLock }, tx);
        row.PrevHash = await conn.ExecuteScalarAsync<string?>("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1", transaction: tx) ?? GenesisHash;
        row.Hash = ComputeHash(row);
        await conn.ExecuteAsync("""
            INSERT INTO audit_log (at, org_id, actor, action, entity_type, entity_id, before_json, after_json, prev_hash, hash)
            VALUES (@At, @OrgId, @Actor, @Action, @EntityType, @EntityId, @BeforeJson, @AfterJson, @PrevHash, @Hash)
            """, row, tx);
    }

    /// <summary>The organisation's entries with an id below <paramref name="before"/>, newest first.</summary>
    public static async Task<IReadOnlyList<AuditRow>> ListAsync(DbConnection c, long orgId, long before, int limit) =>
        (await c.QueryAsync<AuditRow>(
            $"SELECT {AuditRow.Columns} FROM audit_log WHERE org_id = @org AND id < @before ORDER BY id DESC LIMIT @limit",
            new { org = orgId, before, limit })).AsList();

    /// <summary>Recomputes the whole chain in id order and reports the first entry that does not match.</summary>
    public async Task<AuditVerification> VerifyAsync(CancellationToken ct = default)
    {
        await using var conn = await db.OpenAsync(ct);
        var expectedPrev = GenesisHash;
        long count = 0;
        long? lastId = null;
        const int page = 5000;
        long after = 0;
        while (true)
        {
            var rows = (await conn.QueryAsync<AuditRow>(
                $"SELECT {AuditRow.Columns} FROM audit_log WHERE id > @after ORDER BY id LIMIT {page}", new { after })).AsList();
            foreach (var row in rows)
            {
                if (row.PrevHash != expectedPrev)
                    return new AuditVerification(false, count, row.Id, $"entry {row.Id} does not follow entry before it (a row was removed or reordered)");
                if (ComputeHash(row) != row.Hash)
                    return new AuditVerification(false, count, row.Id, $"entry {row.Id} was modified after it was written (hash mismatch)");
                expectedPrev = row.Hash;
                lastId = row.Id;
                count++;
            }
            if (rows.Count < page)
                return new AuditVerification(true, count, null, null, lastId, lastId is null ? null : expectedPrev);
            after = rows[^1].Id;
        }
    }

    public static string ComputeHash(AuditRow r)
    {
        // Length-prefixed fields: no two different rows can serialise to the same bytes.
        var sb = new StringBuilder();
        void Field(string? v) => sb.Append(v is null ? "-1" : v.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(':').Append(v).Append('|');
        Field(r.PrevHash);
        Field(r.At.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(r.OrgId?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(r.Actor);
        Field(r.Action);
        Field(r.EntityType);
        Field(r.EntityId);
        Field(r.BeforeJson);
        Field(r.AfterJson);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}

public sealed class AuditRow
{
    public const string Columns = "id AS Id, at AS At, org_id AS OrgId, actor AS Actor, action AS Action, entity_type AS EntityType, entity_id AS EntityId, before_json AS BeforeJson, after_json AS AfterJson, prev_hash AS PrevHash, hash AS Hash";
    public long Id { get; set; }
    public long At { get; set; }
    public long? OrgId { get; set; }
    public string Actor { get; set; } = "";
    public string Action { get; set; } = "";
    public string EntityType { get; set; } = "";
    public string EntityId { get; set; } = "";
    public string? BeforeJson { get; set; }
    public string? AfterJson { get; set; }
    public string PrevHash { get; set; } = "";
    public string Hash { get; set; } = "";
}

/// <summary>
/// The result of a chain check. <see cref="HeadHash"/> is the last entry's hash: a chain cannot show that its newest
/// entries were cut off, so monitors that must detect truncation record the head and compare it on the next check.
/// </summary>
public sealed record AuditVerification(bool Valid, long Checked, long? FirstBrokenId, string? Reason, long? LastId = null, string? HeadHash = null);
