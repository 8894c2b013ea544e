using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Quell.Server;
using Quell.Storage;

namespace Quell.Tests.Support;

/// <summary>
/// A real Quell server (Kestrel on 127.0.0.1, random port) over a fresh store of one dialect. Tests talk to it over
/// HTTP exactly as clients do. Derive a test class for both dialects with <see cref="SqliteServer"/> and <see cref="PostgresServer"/>.
/// </summary>
public abstract class TestServer : IAsyncLifetime
{
    public const string AdminPassword = "admin-password-123";
    public const string AdminKey = "qk_test_bootstrap_admin_key";

    WebApplication? _app;
    string? _tempDir;
    string? _pgDatabase;

    public abstract Dialect Dialect { get; }

    public Uri BaseAddress { get; private set; } = null!;
    public IServiceProvider Services => _app!.Services;
    public Db Db => Services.GetRequiredService<Db>();
    public string DataDirectory => _tempDir!;

    /// <summary>The directory given to `quell serve --warninglists`; null: only the built-in sanity checks.</summary>
    protected virtual string? Warninglists => null;

    /// <summary>The directories local feeds may read (`quell serve --feed-directories`); null: the server's default, none.</summary>
    protected virtual IReadOnlyList<string>? FeedDirectories => LocalFeeds.Directories;

    /// <summary>A directory of Sigma rules to detect with at ingest; none by default.</summary>
    protected virtual string? SigmaRules => null;

    /// <summary>Adjust the host before it starts (e.g. register a job handler).</summary>
    protected virtual void Configure(WebApplicationBuilder builder)
    {
    }

    public async Task InitializeAsync()
    {
        _tempDir = Directory.CreateTempSubdirectory("quell-test-").FullName;
        if (Dialect == Dialect.Postgres)
            _pgDatabase = await TestPostgres.CreateDatabaseAsync();
        _app = await StoreServers.StartAsync(new ServeSettings("http://127.0.0.1:0", _tempDir, _pgDatabase, Warninglists, FeedDirectories, SigmaRules: SigmaRules), Configure);
        var address = StoreServers.Address(_app);
        BaseAddress = new Uri(address);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (_pgDatabase is not null)
            await TestPostgres.DropDatabaseAsync(_pgDatabase);
        if (_tempDir is not null)
        {
            try { Directory.Delete(_tempDir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>An HTTP client, authenticated with <paramref name="apiKey"/> when given.</summary>
    public HttpClient Client(string? apiKey = AdminKey)
    {
        // Redirects are answers to check (the web UI sends the signed-out to its login page), not to follow.
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = BaseAddress };
        if (apiKey is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    /// <summary>Creates a user with <paramref name="role"/> in the admin's organisation and returns an API key for it.</summary>
    public async Task<string> CreateUserKeyAsync(string role, string? username = null)
    {
        using var admin = Client();
        username ??= $"{role.Replace("-", "")}{Guid.NewGuid():N}"[..20];
        var created = await admin.PostAsJsonAsync("/api/v1/users", new { username, role, password = "user-password-123" });
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var key = await admin.PostAsJsonAsync($"/api/v1/users/{id}/api-keys", new { name = "test" });
        key.EnsureSuccessStatusCode();
        return (await key.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }
}

public class SqliteServer : TestServer
{
    public override Dialect Dialect => Dialect.Sqlite;
}

public class PostgresServer : TestServer
{
    public override Dialect Dialect => Dialect.Postgres;
}
