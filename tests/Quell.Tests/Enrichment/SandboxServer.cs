using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Enrichment;

/// <summary>An enrichment server whose clock a test can move past a sandbox's maxMinutes.</summary>
public abstract class SandboxServer : EnrichmentServer, IClockedServer
{
    public ShiftableTime Clock { get; } = new();

    /// <summary>A client of a new organisation in which <paramref name="analyzer"/> is enabled against <paramref name="baseUrl"/>.</summary>
    public async Task<HttpClient> TenantWithAsync(string analyzer, string baseUrl, object config)
    {
        var client = Client(await this.CreateOtherOrganisationKeyAsync());
        await client.ConfigureAsync(analyzer, new { enabled = true, baseUrl, config }).ExpectAsync(System.Net.HttpStatusCode.OK);
        return client;
    }

    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Services.AddSingleton<TimeProvider>(Clock);
    }
}

public sealed class SandboxSqliteServer : SandboxServer
{
    public override Dialect Dialect => Dialect.Sqlite;
}

public sealed class SandboxPostgresServer : SandboxServer
{
    public override Dialect Dialect => Dialect.Postgres;
}
