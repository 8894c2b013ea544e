using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Quell.Tests.Support;

/// <summary>
/// A real DNS server: dnsmasq in the foreground on 127.0.0.1 and a free port, answering only from the records given on
/// its command line (no upstream, no /etc/hosts). Killed on dispose.
/// </summary>
public sealed class DnsmasqServer : IAsyncDisposable
{
    const string Binary = "/usr/sbin/dnsmasq";
    readonly Process process;

    public int Port { get; }

    /// <summary>"127.0.0.1:port", the form of the dns analyzer's <c>servers</c> item.</summary>
    public string Server => $"127.0.0.1:{Port}";

    DnsmasqServer(Process process, int port)
    {
        this.process = process;
        Port = port;
    }

    /// <param name="records">dnsmasq options such as <c>--address=/evil.example/203.0.113.9</c>.</param>
    public static async Task<DnsmasqServer> StartAsync(params string[] records)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing; install the Debian package dnsmasq-base (test.sh does)");
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var start = new ProcessStartInfo(Binary) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "--no-daemon", $"--port={port}", "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts", "--pid-file=", "--user=root" }.Concat(records))
                start.ArgumentList.Add(a);
            var process = Process.Start(start) ?? throw new InvalidOperationException("dnsmasq did not start");
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null)
                    return;
                log.Enqueue(e.Data);
                if (e.Data.Contains("started, version", StringComparison.Ordinal))
                    started.TrySetResult();
            };
            process.BeginErrorReadLine();
            var done = await Task.WhenAny(started.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(10)));
            if (done == started.Task)
                return new DnsmasqServer(process, port);
            if (!process.HasExited)
                process.Kill();
            process.Dispose();
            // The port may have been taken between probing and binding; another one usually works.
            if (attempt == 2)
                throw new InvalidOperationException($"dnsmasq did not start: {string.Join(" | ", log)}");
        }
    }

    static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
