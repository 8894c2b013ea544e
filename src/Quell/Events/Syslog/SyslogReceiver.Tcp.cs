using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Quell.Events.Syslog;

public sealed partial class SyslogReceiver
{
    /// <summary>A TLS handshake that takes longer is abandoned (a port scanner or a plain-TCP sender on the TLS port).</summary>
    static readonly TimeSpan TlsHandshakeTimeout = TimeSpan.FromSeconds(10);

    X509Certificate2? _certificate;
    readonly ConcurrentDictionary<Task, byte> _connections = new();

    async Task AcceptAsync(Socket listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (SocketException) when (!ct.IsCancellationRequested)
            {
                // A connection reset before it was accepted; the listener itself is fine.
                continue;
            }
            counters.AddConnection();
            var task = ConnectionAsync(socket, ct);
            _connections.TryAdd(task, 0);
            _ = task.ContinueWith(t => _connections.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        // Connections finish the batch they have read before the receiver stops.
        await Task.WhenAll(_connections.Keys);
    }

    async Task ConnectionAsync(Socket socket, CancellationToken ct)
    {
        var peer = PeerAddress(socket.RemoteEndPoint);
        try
        {
            await using var network = new NetworkStream(socket, ownsSocket: true);
            Stream stream = network;
            if (_certificate is not null)
            {
                var tls = new SslStream(network, leaveInnerStreamOpen: false);
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(ct);
                handshake.CancelAfter(TlsHandshakeTimeout);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _certificate,
                    ClientCertificateRequired = false,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                }, handshake.Token);
                stream = tls;
            }
            await using (stream)
                await ReadConnectionAsync(PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4 * 1024)), peer, ct);
            ConnectionEnded(log, peer, "closed");
        }
        catch (OperationCanceledException)
        {
            ConnectionEnded(log, peer, "server stopping or TLS handshake timed out");
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException)
        {
            ConnectionEnded(log, peer, e.Message);
        }
    }

    static void WakeReader(PipeReader reader)
    {
        try
        {
            reader.CancelPendingRead();
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // The connection ended meanwhile.
        }
    }

    /// <summary>
    /// Reads frames into a batch and stores it when full, when its first message is <see cref="SyslogOptions.BatchDelay"/>
    /// old, or when the peer closes. While a batch is being stored the connection is not read (back-pressure).
    /// </summary>
    async Task ReadConnectionAsync(PipeReader reader, string peer, CancellationToken ct)
    {
        var framer = new SyslogFramer(_options.MaxMessageSize);
        var batch = new List<IncomingEvent>(Math.Min(_options.BatchSize, 1024));
        long batchStarted = 0;
        // Wakes a pending read when the batch's time is up, so a quiet sender's last messages are not held back.
        using var flushTimer = time.CreateTimer(_ => WakeReader(reader), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        try
        {
            while (true)
            {
                if (batch.Count > 0)
                {
                    var left = _options.BatchDelay - time.GetElapsedTime(batchStarted);
                    flushTimer.Change(left > TimeSpan.Zero ? left : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
                }
                ReadResult result;
                try
                {
                    result = await reader.ReadAsync(ct);
                }
                finally
                {
                    flushTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                }
                var buffer = result.Buffer;
                var now = time.GetUtcNow();
                var before = batch.Count;
                while (batch.Count < _options.BatchSize && framer.TryRead(ref buffer, result.IsCompleted, out var frame))
                {
                    if (frame.Data.IsEmpty && !frame.Truncated)
                        continue;
                    if (batch.Count == 0)
                        batchStarted = time.GetTimestamp();
                    batch.Add(Parse(frame.Data, frame.Truncated, frame.Length, peer, now));
                }
                var full = batch.Count >= _options.BatchSize;
                // A full batch may leave whole frames in the buffer: mark nothing more as examined, so the next read returns them at once.
                reader.AdvanceTo(buffer.Start, full ? buffer.Start : buffer.End);
                Count(counters, batch, before);

                var due = batch.Count > 0 && (full || result.IsCompleted || time.GetElapsedTime(batchStarted) >= _options.BatchDelay);
                if (due)
                {
                    await StoreAsync(TcpSource, batch, ct);
                    batch = new List<IncomingEvent>(batch.Count);
                }
                if (result.IsCompleted)
                    return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
        {
            // Stopping, or the peer reset the connection: what was read is stored before the connection closes.
            if (batch.Count > 0)
                await StoreAsync(TcpSource, batch, ct);
            throw;
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }
}
