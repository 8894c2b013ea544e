using System.Net.Sockets;
using System.Text;
using Quell.Events.Syslog;
using Quell.Tests.Support;

namespace Quell.Tests.Events.Syslog;

/// <summary>Nothing is taken off a TCP connection beyond the batch the store has not stored; a failing store loses nothing.</summary>
public class SyslogBackPressureTests(SyslogServer server) : IClassFixture<SyslogServer>
{
    [Fact]
    public async Task Slow_store_stops_reading_the_connection_until_the_batch_is_stored()
    {
        const int count = 200_000;
        var marker = "bp" + Guid.NewGuid().ToString("N")[..10];
        server.Sink.Close();
        var callsBefore = server.Sink.Calls;
        using var client = new TcpClient();
        await client.ConnectAsync(server.Tcp);
        // About 40 MB: far more than the socket buffers of both ends hold, so the sender must stall while the store does.
        var line = Encoding.UTF8.GetBytes($"<13>Nov 28 10:00:00 host app: {marker} " + new string('p', 150) + "\n");
        var sending = Task.Run(async () =>
        {
            var net = client.GetStream();
            var block = new byte[line.Length * 1000];
            for (var i = 0; i < 1000; i++)
                line.CopyTo(block, i * line.Length);
            for (var i = 0; i < count / 1000; i++)
                await net.WriteAsync(block);
            client.Client.Shutdown(SocketShutdown.Send);
        });

        await Eventually.UntilAsync<bool>(async () => { await Task.Yield(); return server.Sink.Calls > callsBefore ? true : null; }, "the first batch reaches the store");
        await Task.Delay(1500);
        Assert.False(sending.IsCompleted, "the sender finished although the server stored nothing: the receiver read ahead without limit");
        Assert.Equal(callsBefore + 1, server.Sink.Calls);
        Assert.DoesNotContain(server.Sink.Events, e => e.Raw.Contains(marker, StringComparison.Ordinal));

        server.Sink.Open();
        await sending;
        var events = await server.Sink.WaitForAsync(marker, count);
        Assert.Equal(count, events.Count);
    }

    [Fact]
    public async Task Failing_store_is_retried_and_every_message_is_stored_once()
    {
        var marker = "fs" + Guid.NewGuid().ToString("N")[..10];
        var failuresBefore = server.Counters.StoreFailures;
        server.Sink.FailNext(3);
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(server.Tcp);
            var payload = string.Concat(Enumerable.Range(0, 50).Select(i => $"<13>Nov 28 10:00:00 host app: {marker} {i}\n"));
            await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes(payload));
        }
        var events = await server.Sink.WaitForAsync(marker, 50);
        await Task.Delay(300);
        Assert.Equal(50, server.Sink.Events.Count(e => e.Raw.Contains(marker, StringComparison.Ordinal)));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"{marker} {i}"), events.Select(e => (string)e.Fields[SyslogFields.Message]!));
        Assert.True(server.Counters.StoreFailures >= failuresBefore + 3);
    }
}
