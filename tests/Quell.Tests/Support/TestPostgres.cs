using Npgsql;

namespace Quell.Tests.Support;

/// <summary>
/// The throwaway PostgreSQL cluster that ./test.sh starts on loopback (QUELL_TEST_PG). Each fixture gets a fresh
/// database, dropped at the end, so test classes never see each other's rows.
/// </summary>
public static class TestPostgres
{
    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("QUELL_TEST_PG") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                "PostgreSQL tests need QUELL_TEST_PG (an Npgsql connection string to a throwaway server). Run ./test.sh, which starts one on loopback.");

    public static async Task<string> CreateDatabaseAsync()
    {
        var name = "quell_t_" + Guid.NewGuid().ToString("N")[..12];
        await using var conn = new NpgsqlConnection(AdminConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn);
        await cmd.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ToString();
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(AdminConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
