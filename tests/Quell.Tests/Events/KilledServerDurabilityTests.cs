using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Events;

/// <summary>
/// The real `quell serve` process takes HEC batches from several senders, is killed (SIGKILL) mid-stream, and started
/// again on the same data folder: every batch it acknowledged is there, whole.
/// </summary>
public sealed class KilledServerDurabilityTests : IDisposable
{
    const string Token = "qh_durability_test_token";
    const string ApiKey = "qk_durability_test_key";
    const int BatchSize = 50;
    readonly string _dir = Directory.CreateTempSubdirectory("quell-kill-").FullName;

    [Fact]
    public async Task Every_acknowledged_event_survives_a_SIGKILL_of_the_server()
    {
        var url = $"http://127.0.0.1:{FreePort()}";
        var acked = new ConcurrentBag<int>();
        using (var server = Start(url))
        {
            try
            {
                await WaitHealthyAsync(url, server);
                using var stop = new CancellationTokenSource();
                var next = -1;
                var senders = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
                {
                    using var http = new HttpClient { BaseAddress = new Uri(url) };
                    http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Splunk " + Token);
                    while (!stop.IsCancellationRequested)
                    {
                        var batch = Interlocked.Increment(ref next);
                        var body = new StringBuilder();
                        for (var i = 0; i < BatchSize; i++)
                            body.Append($$$"""{"event":{"batch":{{{batch}}},"i":{{{i}}},"src_ip":"10.9.{{{batch % 250}}}.{{{i}}}"}}""").Append('\n');
                        try
                        {
                            using var r = await http.PostAsync("/services/collector/event", new StringContent(body.ToString()));
                            if (r.StatusCode == HttpStatusCode.OK)
                                acked.Add(batch);
                        }
                        catch (HttpRequestException)
                        {
                            return;
                        }
                    }
                })).ToList();
                await Eventually.UntilAsync(() => Task.FromResult(acked.Count >= 60 ? (bool?)true : null), "60 acknowledged batches");
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
                stop.Cancel();
                await Task.WhenAll(senders);
            }
            finally
            {
                if (!server.HasExited)
                    server.Kill(entireProcessTree: true);
            }
        }

        using var restarted = Start(url);
        try
        {
            await WaitHealthyAsync(url, restarted);
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
            var stored = new Dictionary<long, int>();
            string? cursor = null;
            do
            {
                var page = await http.GetFromJsonAsync<JsonElement>("/api/v1/events?limit=1000" + (cursor is null ? "" : "&cursor=" + cursor));
                foreach (var e in page.GetProperty("items").EnumerateArray())
                {
                    var b = e.GetProperty("fields").GetProperty("batch").GetInt64();
                    stored[b] = stored.GetValueOrDefault(b) + 1;
                }
                cursor = page.GetProperty("next").GetString();
            } while (cursor is not null);
            var missing = acked.Where(b => stored.GetValueOrDefault(b) != BatchSize).Order().ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} of {acked.Count} acknowledged batches are not whole: {string.Join(",", missing.Take(20))}");
            // Batches not acknowledged are all or nothing too.
            Assert.All(stored, kv => Assert.Equal(BatchSize, kv.Value));
        }
        finally
        {
            restarted.Kill(entireProcessTree: true);
            await restarted.WaitForExitAsync();
        }
    }

    Process Start(string url)
    {
        var quell = Path.Combine(AppContext.BaseDirectory, "quell.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { quell, "serve", "--urls", url, "--data", _dir })
            start.ArgumentList.Add(arg);
        start.Environment["QUELL_HEC_TOKEN"] = Token;
        start.Environment["QUELL_BOOTSTRAP_API_KEY"] = ApiKey;
        start.Environment["QUELL_ADMIN_PASSWORD"] = "durability-password-1";
        var p = Process.Start(start)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    static async Task WaitHealthyAsync(string url, Process server)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(server.HasExited, $"the server exited with {(server.HasExited ? server.ExitCode : 0)}");
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{url} did not become healthy");
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
