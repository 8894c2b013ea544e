using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;

namespace Quell.Identity;

/// <summary>
/// API keys: random 32-byte secrets shown once and stored as SHA-256. A fast hash is right here (unlike passwords):
/// the secret has 256 bits of entropy, so there is nothing to brute-force, and every API request checks one.
/// </summary>
public sealed class ApiKeys(TimeProvider time)
{
    const string Columns = "id AS Id, user_id AS UserId, org_id AS OrgId, name AS Name, prefix AS Prefix, created_at AS CreatedAt, last_used_at AS LastUsedAt, revoked_at AS RevokedAt";

    public static string NewSecret() => "qk_" + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Stores a key and returns its id. <paramref name="secret"/> is the plain value the caller shows once.</summary>
    public async Task<long> CreateAsync(DbConnection c, DbTransaction tx, long userId, long orgId, string name, string secret) =>
        await c.ExecuteScalarAsync<long>("""
            INSERT INTO api_keys (user_id, org_id, name, prefix, key_hash, created_at)
            VALUES (@userId, @orgId, @name, @prefix, @hash, @now) RETURNING id
            """, new { userId, orgId, name, prefix = secret[..Math.Min(8, secret.Length)], hash = Hash(secret), now = time.GetUtcNow().ToUnixTimeMilliseconds() }, tx);

    public static async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(DbConnection c, long userId, long orgId) =>
        (await c.QueryAsync<ApiKeyInfo>($"SELECT {Columns} FROM api_keys WHERE user_id = @userId AND org_id = @orgId ORDER BY id", new { userId, orgId })).AsList();

    public static async Task<ApiKeyInfo?> GetAsync(DbConnection c, long id, DbTransaction? tx = null) =>
        await c.QuerySingleOrDefaultAsync<ApiKeyInfo>($"SELECT {Columns} FROM api_keys WHERE id = @id", new { id }, tx);

    public async Task RevokeAsync(DbConnection c, DbTransaction tx, long id) =>
        await c.ExecuteAsync("UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL",
            new { id, now = time.GetUtcNow().ToUnixTimeMilliseconds() }, tx);

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
