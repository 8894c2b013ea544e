using System.Net;
using System.Net.Http.Json;
using Quell.Server;
using Quell.Tests.Support;

namespace Quell.Tests.Identity;

/// <summary>Two nodes on one PostgreSQL share the Data Protection key ring kept in the store.</summary>
public sealed class ScaleOutSessionTests
{
    [Fact]
    public async Task Session_cookie_issued_by_one_node_is_accepted_by_another()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var dirs = new[] { Directory.CreateTempSubdirectory("quell-node-a-").FullName, Directory.CreateTempSubdirectory("quell-node-b-").FullName };
        var nodes = new List<Microsoft.AspNetCore.Builder.WebApplication>();
        try
        {
            foreach (var dir in dirs)
            {
                nodes.Add(await StoreServers.StartAsync(new ServeSettings("http://127.0.0.1:0", dir, database)));
            }
            var urls = nodes.Select(n => new Uri(StoreServers.Address(n))).ToList();

            var cookies = new CookieContainer();
            using var a = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = urls[0] };
            await a.PostAsJsonAsync("/api/v1/login", new { username = "admin", password = TestServer.AdminPassword }).ExpectAsync(HttpStatusCode.OK);

            using var b = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = urls[1] };
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me");
            request.Headers.Add("Cookie", cookies.GetCookieHeader(urls[0]));
            var me = await (await b.SendAsync(request)).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal("admin", me.GetProperty("username").GetString());
        }
        finally
        {
            foreach (var n in nodes)
            {
                await n.StopAsync();
                await n.DisposeAsync();
            }
            await TestPostgres.DropDatabaseAsync(database);
            foreach (var d in dirs)
                Directory.Delete(d, recursive: true);
        }
    }
}
