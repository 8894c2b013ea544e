namespace Quell.Storage;

/// <summary>Where the data lives. <see cref="Database"/> set to a PostgreSQL connection string switches the store to PostgreSQL.</summary>
public sealed class StoreOptions
{
    /// <summary>Data folder (SQLite file, keys). Defaults to ./data.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>PostgreSQL connection string (Npgsql keyword form or postgres:// URL). Empty means SQLite in <see cref="DataDirectory"/>.</summary>
    public string? Database { get; set; }
}
