using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Quell.Events;
using Quell.Events.Syslog;

namespace Quell.Bench;

/// <summary>
/// The syslog receivers' pure cores: parsing one message of each kind (one core; messages/s = 1 s / mean) and cutting
/// an octet-counted or newline-framed TCP stream of 10,000 messages into frames.
/// </summary>
[MemoryDiagnoser]
public class SyslogBenchmarks
{
    public const string Rfc5424 =
        "<165>1 2026-11-28T10:00:00.003Z web01.example.com nginx 4123 ACCESS [meta@32473 client=\"203.0.113.7\" status=\"200\"] " +
        "GET /index.html HTTP/1.1 200 5123 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"";

    public const string Rfc3164 = "<38>Nov 28 10:00:00 web01 sshd[4123]: Accepted publickey for alice from 203.0.113.9 port 50022 ssh2: ED25519 SHA256:abc";

    public const string Cef =
        "<134>Nov 28 10:00:00 fw01 CEF:0|Palo Alto Networks|PAN-OS|10.1|TRAFFIC|end|3|rt=1795860000000 src=192.0.2.10 spt=51000 " +
        "dst=198.51.100.7 dpt=443 proto=TCP suser=corp\\\\alice shost=ws-17 dhost=www.example.com act=allow cs1Label=Rule cs1=allow web out in=1234 out=5678";

    static readonly DateTimeOffset Received = new(2026, 11, 28, 10, 0, 1, TimeSpan.Zero);

    readonly SyslogParser _parser = new();
    byte[] _5424 = [], _3164 = [], _cef = [], _octetStream = [], _lineStream = [];

    public const int StreamMessages = 10_000;

    [GlobalSetup]
    public void Setup()
    {
        _5424 = Encoding.UTF8.GetBytes(Rfc5424);
        _3164 = Encoding.UTF8.GetBytes(Rfc3164);
        _cef = Encoding.UTF8.GetBytes(Cef);
        var octet = new StringBuilder();
        var lines = new StringBuilder();
        for (var i = 0; i < StreamMessages; i++)
        {
            octet.Append(Encoding.UTF8.GetByteCount(Rfc5424)).Append(' ').Append(Rfc5424);
            lines.Append(Rfc3164).Append('\n');
        }
        _octetStream = Encoding.UTF8.GetBytes(octet.ToString());
        _lineStream = Encoding.UTF8.GetBytes(lines.ToString());
    }

    [Benchmark(Description = "parse RFC 5424 (with structured data)")]
    public IncomingEvent Parse5424() => _parser.Parse(_5424, Received);

    [Benchmark(Description = "parse RFC 3164")]
    public IncomingEvent Parse3164() => _parser.Parse(_3164, Received);

    [Benchmark(Description = "parse CEF in RFC 3164")]
    public IncomingEvent ParseCef() => _parser.Parse(_cef, Received);

    [Benchmark(Description = "frame 10,000 octet-counted messages", OperationsPerInvoke = StreamMessages)]
    public int FrameOctetCounted() => Frame(_octetStream);

    [Benchmark(Description = "frame 10,000 newline-framed messages", OperationsPerInvoke = StreamMessages)]
    public int FrameLines() => Frame(_lineStream);

    static int Frame(byte[] stream)
    {
        var framer = new SyslogFramer(64 * 1024);
        var buffer = new ReadOnlySequence<byte>(stream);
        var n = 0;
        while (framer.TryRead(ref buffer, false, out _))
            n++;
        return n;
    }
}
