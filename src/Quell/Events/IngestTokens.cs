using System.Data.Common;
using System.Security.Cryptography;
using Dapper;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Events;

/// <summary>An ingest token as listed (never its secret).</summary>
public sealed record IngestTokenInfo(long Id, string Name, string Source, string Prefix, string CreatedBy, long CreatedAt, long? RevokedAt);

/// <summary>Who a valid ingest token lets send: its organisation and source.</summary>
public sealed record IngestTokenOwner(long TokenId, long OrgId, string Source);

/// <summary>
/// Ingest (HEC) tokens: random secrets shown once and stored as SHA-256, like API keys (a fast hash is right for
/// 256-bit secrets). Each token belongs to one organisation and names the source its events are stored under.
/// </summary>
public sealed class IngestTokens(Db db, TimeProvider time)
{
    /// <summary>The source of the token QUELL_HEC_TOKEN creates.</summary>
    public const string DefaultSource = "hec";

    const string Columns = "id AS Id, name AS Name, source AS Source, prefix AS Prefix, created_by AS CreatedBy, created_at AS CreatedAt, revoked_at AS RevokedAt";

    public static string NewSecret() => "qh_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async Task<long> CreateAsync(DbConnection c, DbTransaction tx, long orgId, string name, string source, string secret, string actor) =>
        await c.ExecuteScalarAsync<long>("""
            INSERT INTO ingest_tokens (org_id, name, source, prefix, token_hash, created_by, created_at)
            VALUES (@orgId, @name, @source, @prefix, @hash, @actor, @now) RETURNING id
            """, new { orgId, name, source, prefix = secret[..Math.Min(8, secret.Length)], hash = ApiKeys.Hash(secret), actor, now = time.GetUtcNow().ToUnixTimeMilliseconds() }, tx);

    public static async Task<IReadOnlyList<IngestTokenInfo>> ListAsync(DbConnection c, long orgId) =>
        (await c.QueryAsync<IngestTokenInfo>($"SELECT {Columns} FROM ingest_tokens WHERE org_id = @orgId ORDER BY id", new { orgId })).AsList();

    public static async Task<IngestTokenInfo?> GetAsync(DbConnection c, long orgId, long id, DbTransaction? tx = null) =>
        await c.QuerySingleOrDefaultAsync<IngestTokenInfo>($"SELECT {Columns} FROM ingest_tokens WHERE org_id = @orgId AND id = @id", new { orgId, id }, tx);

    public async Task<bool> RevokeAsync(DbConnection c, DbTransaction tx, long orgId, long id) =>
        await c.ExecuteAsync("UPDATE ingest_tokens SET revoked_at = @now WHERE org_id = @orgId AND id = @id AND revoked_at IS NULL",
            new { orgId, id, now = time.GetUtcNow().ToUnixTimeMilliseconds() }, tx) == 1;

    /// <summary>The owner of a valid token; null with Revoked true for a revoked token, false for an unknown one.</summary>
    public async Task<(IngestTokenOwner? Owner, bool Revoked)> AuthenticateAsync(string secret, CancellationToken ct)
    {
        var row = await db.ReadAsync(c => c.QuerySingleOrDefaultAsync<(long Id, long OrgId, string Source, long? RevokedAt)?>(
            "SELECT id, org_id, source, revoked_at FROM ingest_tokens WHERE token_hash = @hash", new { hash = ApiKeys.Hash(secret) }), ct);
        return row is not { } r ? (null, false)
            : r.RevokedAt is null ? (new IngestTokenOwner(r.Id, r.OrgId, r.Source), false) : (null, true);
    }

    /// <summary>
    /// QUELL_HEC_TOKEN: on a start where no token has this secret yet, creates it for the default organisation with
    /// source "hec". A later start with the same value does nothing (also after the token was revoked).
    /// </summary>
    public Task<bool> EnsureFromEnvironmentAsync(string? secret, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(secret))
            return Task.FromResult(false);
        return db.WriteAsync(async (c, tx) =>
        {
            if (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM ingest_tokens WHERE token_hash = @hash", new { hash = ApiKeys.Hash(secret) }, tx) > 0)
                return false;
            var orgId = await c.ExecuteScalarAsync<long?>("SELECT id FROM organisations WHERE name = @name", new { name = Bootstrap.DefaultOrganisation }, tx)
                ?? throw new InvalidOperationException($"QUELL_HEC_TOKEN needs the organisation '{Bootstrap.DefaultOrganisation}', which does not exist");
            await CreateAsync(c, tx, orgId, "QUELL_HEC_TOKEN", DefaultSource, secret, "system");
            return true;
        }, ct);
    }
}
