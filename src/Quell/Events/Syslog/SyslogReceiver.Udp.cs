using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Quell.Events.Syslog;

public sealed partial class SyslogReceiver
{
    /// <summary>
    /// One message per datagram (RFC 5426). Receiving never waits for the store: UDP cannot slow a sender down, so
    /// parsed messages queue (up to <see cref="SyslogOptions.UdpQueueLength"/>) for a second loop that stores them in
    /// batches, and what does not fit is dropped and counted rather than left to overflow the kernel's buffer unseen.
    /// </summary>
    async Task ReceiveUdpAsync(Socket socket, CancellationToken ct)
    {
        var queue = Channel.CreateBounded<IncomingEvent>(new BoundedChannelOptions(_options.UdpQueueLength)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var storing = StoreUdpAsync(queue.Reader, ct);
        // The largest UDP payload is 65,507 bytes; a bigger buffer means a datagram is never cut by the socket.
        var buffer = new byte[65_536];
        EndPoint any = socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        long dropped = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                SocketReceiveFromResult received;
                try
                {
                    received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, ct);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
                {
                    // An ICMP port-unreachable from an earlier send, or a datagram the socket cut: not the receiver's end.
                    continue;
                }
                var length = received.ReceivedBytes;
                var truncated = length > _options.MaxMessageSize;
                var data = new ReadOnlySequence<byte>(buffer, 0, truncated ? _options.MaxMessageSize : length);
                var ev = Parse(data, truncated, length, PeerAddress(received.RemoteEndPoint), time.GetUtcNow());
                counters.AddReceived(1, ev.Fields.ContainsKey(SyslogFields.ParseError) ? 1 : 0, truncated ? 1 : 0);
                if (!queue.Writer.TryWrite(ev))
                {
                    counters.AddDropped(1);
                    // Logged at the first drop and every 10,000th after, so a flood does not flood the log too.
                    if (dropped++ % 10_000 == 0)
                        UdpDropping(log, counters.Dropped);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        queue.Writer.TryComplete();
        await storing;
    }

    async Task StoreUdpAsync(ChannelReader<IncomingEvent> queue, CancellationToken ct)
    {
        // The queue is drained to the end also when stopping: what was received is stored before the receiver stops.
        while (await queue.WaitToReadAsync(CancellationToken.None))
        {
            var batch = new List<IncomingEvent>(Math.Min(_options.BatchSize, 1024));
            var started = time.GetTimestamp();
            while (batch.Count < _options.BatchSize)
            {
                if (queue.TryRead(out var e))
                {
                    batch.Add(e);
                    continue;
                }
                var left = _options.BatchDelay - time.GetElapsedTime(started);
                if (left <= TimeSpan.Zero || queue.Completion.IsCompleted)
                    break;
                using var wait = new CancellationTokenSource(left, time);
                try
                {
                    if (!await queue.WaitToReadAsync(wait.Token))
                        break;
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            if (batch.Count > 0)
                await StoreAsync(UdpSource, batch, ct);
        }
    }
}
