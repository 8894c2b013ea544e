using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Quell.Intel.Taxii;
using Quell.Tests.Intel.Feeds;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Taxii;

/// <summary>
/// Servers for TAXII tests: feeds may reach 127.0.0.1 (Quell's TAXII client pulls from the same server), the clock
/// can be moved (date_added comes from it), and max_content_length is 64 KB so that a 413 needs no large body.
/// </summary>
static class TaxiiServerSetup
{
    public const int MaxContentLength = 64 * 1024;

    public static void Configure(WebApplicationBuilder builder, ShiftableTime clock)
    {
        FeedServerSetup.Configure(builder, clock);
        builder.Services.Configure<TaxiiOptions>(o => o.MaxContentLength = MaxContentLength);
    }
}

public sealed class TaxiiSqliteServer : SqliteServer, IClockedServer
{
    public ShiftableTime Clock { get; } = new();

    protected override void Configure(WebApplicationBuilder builder) => TaxiiServerSetup.Configure(builder, Clock);
}

public sealed class TaxiiPostgresServer : PostgresServer, IClockedServer
{
    public ShiftableTime Clock { get; } = new();

    protected override void Configure(WebApplicationBuilder builder) => TaxiiServerSetup.Configure(builder, Clock);
}
