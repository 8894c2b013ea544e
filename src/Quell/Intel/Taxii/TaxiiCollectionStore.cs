using System.Data.Common;
using System.Text.Json;
using Dapper;
using Quell.Identity;

namespace Quell.Intel.Taxii;

/// <summary>The SQL of TAXII collections; every query is scoped by organisation.</summary>
public static class TaxiiCollectionStore
{
    sealed class Row
    {
        public long Id { get; set; }
        public string Uuid { get; set; } = "";
        public string Title { get; set; } = "";
        public string Description { get; set; } = "";
        public string? Alias { get; set; }
        public string ReadRoles { get; set; } = "[]";
        public string WriteRoles { get; set; } = "[]";

        public TaxiiCollection ToCollection() => new(Id, Uuid, Title, Description, Alias, ParseRoles(ReadRoles), ParseRoles(WriteRoles));
    }

    const string Columns = "id AS Id, uuid AS Uuid, title AS Title, description AS Description, alias AS Alias, read_roles AS ReadRoles, write_roles AS WriteRoles";

    /// <summary>The built-in collection first, then the created ones by id.</summary>
    public static async Task<List<TaxiiCollection>> ListAsync(DbConnection c, long orgId, DbTransaction? tx = null) =>
    [
        TaxiiCollection.Indicators,
        .. (await c.QueryAsync<Row>($"SELECT {Columns} FROM taxii_collections WHERE org_id = @orgId ORDER BY id", new { orgId }, tx)).Select(r => r.ToCollection()),
    ];

    /// <summary>A collection by its TAXII id (a UUID).</summary>
    public static async Task<TaxiiCollection?> FindAsync(DbConnection c, long orgId, string uuid, DbTransaction? tx = null) =>
        uuid == TaxiiCollection.IndicatorsUuid
            ? TaxiiCollection.Indicators
            : (await c.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM taxii_collections WHERE org_id = @orgId AND uuid = @uuid", new { orgId, uuid }, tx))?.ToCollection();

    /// <summary>A created collection by its numeric id (the admin API's id).</summary>
    public static async Task<TaxiiCollection?> GetAsync(DbConnection c, long orgId, long id, DbTransaction? tx = null) =>
        (await c.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM taxii_collections WHERE org_id = @orgId AND id = @id", new { orgId, id }, tx))?.ToCollection();

    public static Task<bool> TitleTakenAsync(DbConnection c, DbTransaction tx, long orgId, string title) =>
        c.ExecuteScalarAsync<bool>("SELECT COUNT(*) > 0 FROM taxii_collections WHERE org_id = @orgId AND title = @title", new { orgId, title }, tx);

    public static Task<long> InsertAsync(DbConnection c, DbTransaction tx, long orgId, TaxiiCollection collection, string createdBy, long now) =>
        c.ExecuteScalarAsync<long>("""
            INSERT INTO taxii_collections (org_id, uuid, title, description, alias, read_roles, write_roles, created_by, created_at)
            VALUES (@orgId, @Uuid, @Title, @Description, @Alias, @read, @write, @createdBy, @now) RETURNING id
            """, new
        {
            orgId,
            collection.Uuid,
            collection.Title,
            collection.Description,
            collection.Alias,
            read = RolesJson(collection.ReadRoles),
            write = RolesJson(collection.WriteRoles),
            createdBy,
            now,
        }, tx);

    /// <summary>Deletes a created collection with its objects; false when there is none with that id.</summary>
    public static async Task<bool> DeleteAsync(DbConnection c, DbTransaction tx, long orgId, long id)
    {
        if (await c.ExecuteScalarAsync<long?>("SELECT id FROM taxii_collections WHERE org_id = @orgId AND id = @id", new { orgId, id }, tx) is null)
            return false;
        // Children first: PostgreSQL cascades, but SQLite only when the connection enabled foreign keys.
        await c.ExecuteAsync("DELETE FROM taxii_objects WHERE collection_id = @id", new { id }, tx);
        await c.ExecuteAsync("DELETE FROM taxii_collections WHERE id = @id", new { id }, tx);
        return true;
    }

    public static string RolesJson(IReadOnlyList<Role> roles) => JsonSerializer.Serialize(roles.Select(Roles.Name));

    static List<Role> ParseRoles(string json) =>
        [.. (JsonSerializer.Deserialize<List<string>>(json) ?? []).Select(n => Roles.TryParse(n, out var r) ? (Role?)r : null).OfType<Role>()];
}
