using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Quell.Bench;

/// <summary>
/// A fast syslog sender for whole-process runs: octet-counted RFC 5424, RFC 3164 or CEF messages over TCP from
/// pre-built buffers (each message unique by its sequence number), spread over a few connections.
/// <c>syslog-send --target 127.0.0.1:6601 [--messages 1000000] [--format 5424|3164|cef] [--connections 4]</c>
/// </summary>
public static class SyslogSender
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? target = null;
        var messages = 1_000_000;
        var format = "5424";
        var connections = 4;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--target": target = args[i + 1]; break;
                case "--messages": messages = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--format": format = args[i + 1]; break;
                case "--connections": connections = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }
        if (target is null || !IPEndPoint.TryParse(target, out var endpoint) || format is not ("5424" or "3164" or "cef") || messages < 1 || connections < 1)
        {
            Console.Error.WriteLine("usage: Quell.Bench syslog-send --target IP:PORT [--messages N] [--format 5424|3164|cef] [--connections N]");
            return 2;
        }

        var template = format switch
        {
            "5424" => SyslogBenchmarks.Rfc5424,
            "3164" => SyslogBenchmarks.Rfc3164,
            _ => SyslogBenchmarks.Cef,
        };
        var perConnection = messages / connections;
        var watch = Stopwatch.StartNew();
        long bytes = 0;
        await Parallel.ForAsync(0, connections, async (c, ct) =>
        {
            using var client = new TcpClient();
            await client.ConnectAsync(endpoint, ct);
            var stream = client.GetStream();
            var count = c == connections - 1 ? messages - perConnection * (connections - 1) : perConnection;
            var chunk = new StringBuilder();
            for (var i = 0; i < count; i++)
            {
                var m = template + " seq=" + c.ToString(CultureInfo.InvariantCulture) + "-" + i.ToString(CultureInfo.InvariantCulture);
                chunk.Append(Encoding.UTF8.GetByteCount(m)).Append(' ').Append(m);
                if (chunk.Length > 256 * 1024 || i == count - 1)
                {
                    var data = Encoding.UTF8.GetBytes(chunk.ToString());
                    await stream.WriteAsync(data, ct);
                    Interlocked.Add(ref bytes, data.Length);
                    chunk.Clear();
                }
            }
            client.Client.Shutdown(SocketShutdown.Send);
            // Wait for the server to close its side: it has then read (and, with back-pressure, stored) everything.
            var buffer = new byte[16];
            while (await stream.ReadAsync(buffer, ct) > 0)
            {
            }
        });
        var seconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sent {messages} {format} messages ({bytes / 1e6:0.0} MB) over {connections} connections in {seconds:0.00} s: {messages / seconds:0} messages/s"));
        return 0;
    }
}
