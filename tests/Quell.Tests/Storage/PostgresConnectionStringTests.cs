using Npgsql;
using Quell.Storage;

namespace Quell.Tests.Storage;

public sealed class PostgresConnectionStringTests
{
    static NpgsqlConnectionStringBuilder Parse(string value) => new(PostgresConnectionString.Normalize(value));

    [Fact]
    public void A_keyword_connection_string_passes_through_unchanged()
    {
        const string cs = "Host=db;Port=5433;Username=quell;Password=secret;Database=quell";
        Assert.Equal(cs, PostgresConnectionString.Normalize(cs));
    }

    [Theory]
    [InlineData("postgres://quell:secret@db.example:5433/incidents")]
    [InlineData("postgresql://quell:secret@db.example:5433/incidents")]
    [InlineData("POSTGRES://quell:secret@db.example:5433/incidents")]
    public void A_url_becomes_host_port_user_password_and_database(string url)
    {
        var b = Parse(url);
        Assert.Equal("db.example", b.Host);
        Assert.Equal(5433, b.Port);
        Assert.Equal("quell", b.Username);
        Assert.Equal("secret", b.Password);
        Assert.Equal("incidents", b.Database);
    }

    [Fact]
    public void A_url_without_port_uses_5432_and_without_password_has_none()
    {
        var b = Parse("postgres://quell@db/incidents");
        Assert.Equal(5432, b.Port);
        Assert.Equal("quell", b.Username);
        Assert.Null(b.Password);
    }

    [Fact]
    public void Percent_encoded_user_password_and_database_are_decoded()
    {
        var b = Parse("postgres://us%40er:p%40ss%3Aw%2Frd@db/my%20db");
        Assert.Equal("us@er", b.Username);
        Assert.Equal("p@ss:w/rd", b.Password);
        Assert.Equal("my db", b.Database);
    }

    [Fact]
    public void Query_parameters_in_npgsql_and_libpq_spelling_are_applied()
    {
        var b = Parse("postgres://u:p@db/quell?sslmode=require&application_name=quell-node-1&connect_timeout=7&target_session_attrs=primary");
        Assert.Equal(SslMode.Require, b.SslMode);
        Assert.Equal("quell-node-1", b.ApplicationName);
        Assert.Equal(7, b.Timeout);
        Assert.Equal("primary", b.TargetSessionAttributes);
    }

    [Fact]
    public void An_unknown_query_parameter_is_named_in_the_error()
    {
        var e = Assert.Throws<ArgumentException>(() => PostgresConnectionString.Normalize("postgres://u@db/quell?frobnicate=1"));
        Assert.Contains("parameter 'frobnicate' is not a PostgreSQL connection setting", e.Message);
    }

    [Fact]
    public async Task A_url_reaches_the_test_server()
    {
        var b = new NpgsqlConnectionStringBuilder(Support.TestPostgres.AdminConnectionString);
        var url = $"postgres://{Uri.EscapeDataString(b.Username!)}@{b.Host}:{b.Port}/{b.Database}";
        await using var db = Db.Create(new StoreOptions { DataDirectory = Path.GetTempPath(), Database = url });
        Assert.True(db.IsPostgres);
        Assert.True(await db.PingAsync());
        Assert.Contains($"{b.Host}:{b.Port}/{b.Database}", db.Description);
    }
}
