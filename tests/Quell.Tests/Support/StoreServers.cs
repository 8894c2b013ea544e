using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Quell.Server;

namespace Quell.Tests.Support;

/// <summary>
/// Servers started one after another on the same store (a data directory, or a PostgreSQL database), for tests of what
/// survives a restart; <see cref="TestServer"/> owns its store and lives as long as its fixture.
/// </summary>
public static class StoreServers
{
    public static async Task<WebApplication> StartAsync(ServeSettings settings, Action<WebApplicationBuilder>? configure = null)
    {
        var app = QuellHost.Build(settings, b =>
        {
            b.Logging.SetMinimumLevel(LogLevel.Warning);
            configure?.Invoke(b);
        });
        await QuellHost.InitializeAsync(app.Services, TestServer.AdminPassword, TestServer.AdminKey);
        await app.StartAsync();
        return app;
    }

    /// <summary>The address the server listens on (its port was chosen by the system).</summary>
    public static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    /// <summary>A client of the server's address with the bootstrap admin's key.</summary>
    public static HttpClient Client(WebApplication app)
    {
        var client = new HttpClient { BaseAddress = new Uri(Address(app)) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", TestServer.AdminKey);
        return client;
    }
}
