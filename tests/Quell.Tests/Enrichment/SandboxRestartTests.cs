using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Quell.Enrichment;
using Quell.Jobs;
using Quell.Server;
using Quell.Tests.Support;
using static Quell.Tests.Enrichment.SandboxReplies;

namespace Quell.Tests.Enrichment;

/// <summary>
/// A server stopped while VMRay detonates a URL, and a new server started on the same store: the new one goes on
/// polling the same submission (nothing is submitted twice) and the report finishes.
/// </summary>
public sealed class SandboxRestartTests
{
    [Fact]
    public Task A_restart_during_a_detonation_loses_nothing_on_sqlite() => RestartDuringDetonationAsync(postgres: false);

    [Fact]
    public Task A_restart_during_a_detonation_loses_nothing_on_postgres() => RestartDuringDetonationAsync(postgres: true);

    static async Task RestartDuringDetonationAsync(bool postgres)
    {
        var finished = false;
        await using var vmray = await ReplayServer.StartAsync((q, r) => q.Path switch
        {
            "/rest/sample/submit" => ReplayServer.Reply(r, VmraySubmit(4242, 777)),
            "/rest/submission/4242" => ReplayServer.Reply(r, VmraySubmission(4242, 777, finished: Volatile.Read(ref finished))),
            "/rest/sample/777" => ReplayServer.Reply(r, VmraySample(777, "malicious")),
            "/rest/sample/777/iocs" => ReplayServer.Reply(r, VmrayIocs),
            _ => ReplayServer.Reply(r, VmrayMitre),
        });
        var database = postgres ? await TestPostgres.CreateDatabaseAsync() : null;
        var directory = Directory.CreateTempSubdirectory("quell-restart-").FullName;
        try
        {
            long observable;
            var first = await StartAsync(directory, database);
            try
            {
                using var client = Client(first);
                await client.ConfigureAsync("vmray", new { enabled = true, baseUrl = vmray.BaseUrl, config = new { key = "vmray-restart-key", pollSeconds = 2 } })
                    .ExpectAsync(HttpStatusCode.OK);
                observable = await client.ObservableAsync("url", "http://detonate.example/payload");
                await client.PostAsync($"/api/v1/observables/{observable}/analyze", null).ExpectAsync(HttpStatusCode.Accepted);
                await Eventually.UntilAsync<int>(async () => (await client.ReportOfAsync(observable, "vmray")).GetProperty("polls").GetInt32() is var n and >= 2 ? n : null,
                    "the first server to check the running submission");
            }
            finally
            {
                await first.StopAsync();
                await first.DisposeAsync();
            }
            Volatile.Write(ref finished, true);

            var second = await StartAsync(directory, database);
            try
            {
                using var client = Client(second);
                var report = await Eventually.UntilAsync<JsonElement>(async () => await client.ReportOfAsync(observable, "vmray") is var r && r.Status() != "pending" ? r : null,
                    "the second server to finish the report");
                Assert.Equal("success", report.Status());
                Assert.Equal("malicious", report.Level());
                Assert.Single(vmray.Requests, q => q.Path == "/rest/sample/submit");
            }
            finally
            {
                await second.StopAsync();
                await second.DisposeAsync();
            }
        }
        finally
        {
            if (database is not null)
                await TestPostgres.DropDatabaseAsync(database);
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    static Task<WebApplication> StartAsync(string directory, string? database) =>
        StoreServers.StartAsync(new ServeSettings("http://127.0.0.1:0", directory, database), b =>
        {
            // A short lease: a server stopped in the middle of a status check leaves its job to the next one soon.
            b.Services.Configure<JobWorkerOptions>(o => { o.PollInterval = TimeSpan.FromMilliseconds(100); o.Lease = TimeSpan.FromSeconds(5); });
            b.Services.Configure<EnrichmentOptions>(o => o.MaxAttempts = 2);
        });

    static HttpClient Client(WebApplication app) => StoreServers.Client(app);
}
