using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Quell.Enrichment.Cortex;
using Quell.Storage;

namespace Quell.Tests.Enrichment.Cortex;

/// <summary>An enrichment server that loads <see cref="CortexWorkers"/> from a temporary checkout.</summary>
public abstract class CortexServer : EnrichmentServer, IDisposable
{
    public string Root { get; } = CortexWorkers.Write();

    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Services.Configure<CortexOptions>(o => o.Directories = [Root]);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }
}

public sealed class CortexSqliteServer : CortexServer
{
    public override Dialect Dialect => Dialect.Sqlite;
}

public sealed class CortexPostgresServer : CortexServer
{
    public override Dialect Dialect => Dialect.Postgres;
}
