using System.Data.Common;
using System.Security.Cryptography;
using Dapper;

namespace Quell.Files;

/// <summary>The SQL of file content: kept once per organisation and SHA-256, read whole (files are bounded by <see cref="FileOptions.MaxBytes"/>).</summary>
public static class FileStore
{
    /// <summary>The hashes and size of <paramref name="content"/>, as they will be kept.</summary>
    public static StoredFile Describe(byte[] content, string contentType) => new()
    {
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(content)),
        Sha1 = Convert.ToHexStringLower(SHA1.HashData(content)),
        Md5 = Convert.ToHexStringLower(MD5.HashData(content)),
        Size = content.LongLength,
        ContentType = contentType,
    };

    /// <summary>Keeps the content unless the organisation has it already (the first upload's content type stays).</summary>
    public static Task PutAsync(DbConnection c, DbTransaction tx, long orgId, StoredFile file, byte[] content, string actor, long now) =>
        c.ExecuteAsync("""
            INSERT INTO file_contents (org_id, sha256, sha1, md5, size, content_type, content, created_by, created_at)
            VALUES (@orgId, @Sha256, @Sha1, @Md5, @Size, @ContentType, @content, @actor, @now)
            ON CONFLICT (org_id, sha256) DO NOTHING
            """, new { orgId, file.Sha256, file.Sha1, file.Md5, file.Size, file.ContentType, content, actor, now }, tx);

    public static Task<StoredFile?> GetAsync(DbConnection c, long orgId, string sha256, DbTransaction? tx = null) =>
        c.QuerySingleOrDefaultAsync<StoredFile>($"SELECT {StoredFile.Columns} FROM file_contents WHERE org_id = @orgId AND sha256 = @sha256", new { orgId, sha256 }, tx);

    /// <summary>The stored files among <paramref name="sha256s"/>, by SHA-256 (one statement for a page of observables).</summary>
    public static async Task<Dictionary<string, StoredFile>> ManyAsync(DbConnection c, long orgId, string[] sha256s, DbTransaction? tx = null) =>
        sha256s.Length == 0 ? [] : (await c.QueryAsync<StoredFile>(
            $"SELECT {StoredFile.Columns} FROM file_contents WHERE org_id = @orgId AND {Storage.Db.In(c, "sha256", "@sha256s")}",
            new { orgId, sha256s }, tx)).ToDictionary(f => f.Sha256, StringComparer.Ordinal);

    public static Task<byte[]?> ReadAsync(DbConnection c, long orgId, string sha256) =>
        c.QuerySingleOrDefaultAsync<byte[]?>("SELECT content FROM file_contents WHERE org_id = @orgId AND sha256 = @sha256", new { orgId, sha256 });

    /// <summary>
    /// Removes the content when no observable of the organisation (alert or case) names its SHA-256 any more: a sample
    /// lives as long as something refers to it. Returns whether it was removed.
    /// </summary>
    public static async Task<bool> DeleteIfUnreferencedAsync(DbConnection c, DbTransaction tx, long orgId, string sha256) =>
        await c.ExecuteAsync("""
            DELETE FROM file_contents WHERE org_id = @orgId AND sha256 = @sha256
              AND NOT EXISTS (SELECT 1 FROM alert_observables WHERE org_id = @orgId AND data_type = 'file' AND data LIKE @suffix)
              AND NOT EXISTS (SELECT 1 FROM case_observables WHERE org_id = @orgId AND data_type = 'file' AND data LIKE @suffix)
            """, new { orgId, sha256, suffix = "%|" + sha256 }, tx) == 1;
}
