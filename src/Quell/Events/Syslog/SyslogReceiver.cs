using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Events.Syslog;

/// <summary>
/// The syslog receivers of `quell serve`: TCP (optionally TLS) and UDP, each off unless configured. Sockets are bound at
/// start, so a taken port fails the start with its address; messages are parsed, batched (up to
/// <see cref="SyslogOptions.BatchSize"/> or <see cref="SyslogOptions.BatchDelay"/>) and handed to the
/// <see cref="IEventSink"/>. A TCP connection is not read while its batch is being stored: syslog over TCP has no
/// acknowledgement, so the only durability a receiver can give is to take no more than it has stored, and the sender
/// (its queue, then its application) is slowed down by TCP itself.
/// </summary>
public sealed partial class SyslogReceiver(
    IOptions<SyslogOptions> options, IServiceProvider services, Db db, SyslogCounters counters, TimeProvider time, ILogger<SyslogReceiver> log)
    : BackgroundService
{
    public const string TcpSource = "syslog-tcp";
    public const string UdpSource = "syslog-udp";

    static readonly TimeSpan MaxStoreRetryDelay = TimeSpan.FromSeconds(5);
    static readonly TimeSpan ReportInterval = TimeSpan.FromMinutes(1);

    readonly SyslogOptions _options = options.Value;
    SyslogParser _parser = null!;
    IEventSink _sink = null!;
    Socket? _tcp;
    Socket? _udp;
    readonly TaskCompletionSource<long> _organisation = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Where the TCP receiver listens (its port when 0 was asked for); null when off.</summary>
    public IPEndPoint? TcpEndpoint => (IPEndPoint?)_tcp?.LocalEndPoint;

    /// <summary>Where the UDP receiver listens; null when off.</summary>
    public IPEndPoint? UdpEndpoint => (IPEndPoint?)_udp?.LocalEndPoint;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            await base.StartAsync(cancellationToken);
            return;
        }
        if (_options.Validate() is { } problem)
            throw new InvalidOperationException(problem);
        _sink = services.GetService<IEventSink>()
            ?? throw new InvalidOperationException("the syslog receivers need an event store (IEventSink), and none is registered");
        _parser = new SyslogParser(new SyslogParserOptions { BsdTimeZone = _options.ResolveBsdTimeZone() });
        if (_options.Tcp is not null)
        {
            SyslogOptions.TryParseEndpoint(_options.Tcp, out var endpoint);
            _tcp = Bind(endpoint, SocketType.Stream, ProtocolType.Tcp, "--syslog-tcp");
            _tcp.Listen(512);
            try
            {
                _certificate = _options.LoadCertificate();
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                throw new InvalidOperationException(
                    $"Syslog:TlsCertificate (--syslog-tls-cert) '{_options.TlsCertificate}' could not be loaded with its key: {e.Message}", e);
            }
            Listening(log, "TCP" + (_certificate is null ? "" : " (TLS)"), TcpEndpoint!);
        }
        if (_options.Udp is not null)
        {
            SyslogOptions.TryParseEndpoint(_options.Udp, out var endpoint);
            _udp = Bind(endpoint, SocketType.Dgram, ProtocolType.Udp, "--syslog-udp");
            // Bursts wait in the kernel while a batch is parsed; the default buffer (about 200 KB) overflows quickly.
            _udp.ReceiveBufferSize = 8 << 20;
            Listening(log, "UDP", UdpEndpoint!);
        }
        await base.StartAsync(cancellationToken);
    }

    static Socket Bind(IPEndPoint endpoint, SocketType type, ProtocolType protocol, string option)
    {
        var socket = new Socket(endpoint.AddressFamily, type, protocol);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6 && endpoint.Address.Equals(IPAddress.IPv6Any))
                socket.DualMode = true;
            socket.Bind(endpoint);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new InvalidOperationException($"syslog receiver {option} {endpoint}: cannot listen there ({e.SocketErrorCode}: {e.Message})", e);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
            return;
        var tasks = new List<Task> { ReportAsync(stoppingToken) };
        try
        {
            _organisation.TrySetResult(await ResolveOrganisationAsync(stoppingToken));
            if (_tcp is not null)
                tasks.Add(AcceptAsync(_tcp, stoppingToken));
            if (_udp is not null)
                tasks.Add(ReceiveUdpAsync(_udp, stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await Task.WhenAll(tasks);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        _tcp?.Dispose();
        _udp?.Dispose();
        _certificate?.Dispose();
        Report(force: true);
    }

    /// <summary>The organisation events belong to; waits for it to exist (a first start creates it after the host is built).</summary>
    async Task<long> ResolveOrganisationAsync(CancellationToken ct)
    {
        var warned = false;
        while (true)
        {
            var org = await db.ReadAsync(c => IdentityStore.FindOrganisationAsync(c, _options.Organisation), ct);
            if (org is not null)
                return org.Id;
            if (!warned)
                OrganisationMissing(log, _options.Organisation);
            warned = true;
            await Task.Delay(TimeSpan.FromSeconds(1), time, ct);
        }
    }

    /// <summary>
    /// Stores a batch, retrying (with growing pauses) until the store takes it: the batch has been read and would
    /// otherwise be lost. The store itself is not cancelled, so a batch being written when the server stops is finished.
    /// </summary>
    async Task StoreAsync(string source, List<IncomingEvent> batch, CancellationToken ct)
    {
        var origin = new EventOrigin(await _organisation.Task, source);
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await _sink.AppendAsync(origin, batch, CancellationToken.None);
                counters.AddStored(batch.Count);
                return;
            }
            catch (Exception e)
            {
                counters.AddStoreFailure();
                StoreFailed(log, source, batch.Count, e);
                if (ct.IsCancellationRequested)
                    return;
            }
            try
            {
                await Task.Delay(delay, time, ct);
            }
            catch (OperationCanceledException)
            {
                // Stopping: one last attempt, then the batch is reported lost (above) rather than waited for.
            }
            delay = delay * 2 > MaxStoreRetryDelay ? MaxStoreRetryDelay : delay * 2;
        }
    }

    /// <summary>Parses one message; a parser bug becomes an event with the raw text and the error, never a lost message.</summary>
    IncomingEvent Parse(ReadOnlySequence<byte> data, bool truncated, long length, string peer, DateTimeOffset now)
    {
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> span;
            if (data.IsSingleSegment)
            {
                span = data.FirstSpan;
            }
            else
            {
                rented = ArrayPool<byte>.Shared.Rent((int)data.Length);
                data.CopyTo(rented);
                span = rented.AsSpan(0, (int)data.Length);
            }
            try
            {
                return _parser.ParseReceived(span, now, peer, truncated ? length : null);
            }
            catch (Exception e)
            {
                ParserFailed(log, e);
                return new IncomingEvent(null, System.Text.Encoding.UTF8.GetString(span), new Dictionary<string, object?>
                {
                    [SyslogFields.ParseError] = "parser failed: " + e.Message,
                    [SyslogFields.HostIp] = peer,
                    [SyslogFields.EventCreated] = now.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                });
            }
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    static void Count(SyslogCounters counters, List<IncomingEvent> batch, int from)
    {
        long malformed = 0, truncated = 0;
        for (var i = from; i < batch.Count; i++)
        {
            var f = batch[i].Fields;
            if (f.ContainsKey(SyslogFields.ParseError))
                malformed++;
            if (f.ContainsKey(SyslogFields.Truncated))
                truncated++;
        }
        counters.AddReceived(batch.Count - from, malformed, truncated);
    }

    static string PeerAddress(EndPoint? endpoint)
    {
        if (endpoint is not IPEndPoint ip)
            return "";
        var address = ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address;
        return address.ToString();
    }

    (long, long, long, long, long, long) _reported;

    async Task ReportAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(ReportInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
                Report(force: false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    void Report(bool force)
    {
        var now = counters.Snapshot();
        if (!force && now == _reported)
            return;
        _reported = now;
        Totals(log, now.Received, now.Stored, now.Malformed, now.Truncated, now.Dropped, now.StoreFailures);
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Information, Message = "Syslog {Transport} receiver listening on {Endpoint}")]
    static partial void Listening(ILogger logger, string transport, IPEndPoint endpoint);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Warning, Message = "Syslog receivers wait for organisation '{Organisation}' to exist (Syslog:Organisation)")]
    static partial void OrganisationMissing(ILogger logger, string organisation);

    [LoggerMessage(EventId = 5303, Level = LogLevel.Warning, Message = "The event store refused a batch of {Count} {Source} events; retrying")]
    static partial void StoreFailed(ILogger logger, string source, int count, Exception e);

    [LoggerMessage(EventId = 5304, Level = LogLevel.Error, Message = "The syslog parser failed on a message; kept as raw text")]
    static partial void ParserFailed(ILogger logger, Exception e);

    [LoggerMessage(EventId = 5305, Level = LogLevel.Information,
        Message = "Syslog totals: {Received} received, {Stored} stored, {Malformed} malformed, {Truncated} truncated, {Dropped} dropped, {StoreFailures} store failures")]
    static partial void Totals(ILogger logger, long received, long stored, long malformed, long truncated, long dropped, long storeFailures);

    [LoggerMessage(EventId = 5306, Level = LogLevel.Debug, Message = "Syslog connection from {Peer} ended: {Reason}")]
    static partial void ConnectionEnded(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 5307, Level = LogLevel.Warning, Message = "Syslog: {Count} UDP messages dropped so far because the event store does not keep up")]
    static partial void UdpDropping(ILogger logger, long count);
}
