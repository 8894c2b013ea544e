using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Quell.Events.Syslog;

namespace Quell.Tests.Events.Syslog;

/// <summary>
/// The relay users actually run in front of Quell: a real rsyslogd (Debian package rsyslog; test.sh installs it),
/// started in the foreground with its own configuration, receives from logger over UDP and forwards to Quell's TCP
/// receiver — RFC 5424 with octet counting on one ruleset, the traditional format with newline framing on the other.
/// </summary>
public sealed class RsyslogForwardingTests(SyslogServer server) : IClassFixture<SyslogServer>, IAsyncLifetime
{
    readonly string _dir = Directory.CreateTempSubdirectory("quell-rsyslog-").FullName;
    Process? _rsyslogd;
    int _modern;
    int _traditional;

    public async Task InitializeAsync()
    {
        (_modern, _traditional) = (FreeUdpPort(), FreeUdpPort());
        var quell = server.Tcp.Port.ToString(CultureInfo.InvariantCulture);
        var conf = Path.Combine(_dir, "rsyslog.conf");
        await File.WriteAllTextAsync(conf, $"""
            global(workDirectory="{_dir}")
            module(load="imudp")
            ruleset(name="modern") {"{"}
              action(type="omfwd" target="127.0.0.1" port="{quell}" protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
            {"}"}
            ruleset(name="traditional") {"{"}
              action(type="omfwd" target="127.0.0.1" port="{quell}" protocol="tcp" template="RSYSLOG_TraditionalForwardFormat")
            {"}"}
            input(type="imudp" address="127.0.0.1" port="{_modern}" ruleset="modern")
            input(type="imudp" address="127.0.0.1" port="{_traditional}" ruleset="traditional")
            """);
        var start = new ProcessStartInfo("/usr/sbin/rsyslogd") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-n", "-f", conf, "-i", Path.Combine(_dir, "rsyslogd.pid") })
            start.ArgumentList.Add(a);
        _rsyslogd = Process.Start(start) ?? throw new InvalidOperationException("rsyslogd did not start");
        // rsyslogd opens its UDP inputs after reading the configuration: wait until a port is taken.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (IsFree(_modern) || IsFree(_traditional))
        {
            if (_rsyslogd.HasExited)
                Assert.Fail($"rsyslogd exited with {_rsyslogd.ExitCode}: {await _rsyslogd.StandardError.ReadToEndAsync()}");
            Assert.True(DateTime.UtcNow < deadline, "rsyslogd did not open its UDP inputs within 20 s");
            await Task.Delay(50);
        }
    }

    public Task DisposeAsync()
    {
        if (_rsyslogd is { HasExited: false })
            _rsyslogd.Kill();
        _rsyslogd?.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    static bool IsFree(int port)
    {
        try
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Rsyslog_forwards_rfc5424_with_octet_counting_and_the_traditional_format_with_newlines()
    {
        var marker = "m" + Guid.NewGuid().ToString("N")[..12];
        await SyslogServer.LoggerAsync("-n", "127.0.0.1", "-P", P(_modern), "-d", "--rfc5424", "-t", "billing", "-p", "local3.warning", "--id=4242",
            $"invoice {marker} paid");
        await SyslogServer.LoggerAsync("-n", "127.0.0.1", "-P", P(_traditional), "-d", "--rfc3164", "-t", "sshd", "-p", "auth.info", "--id=77",
            $"Accepted password for alice {marker}");

        var events = await server.Sink.WaitForAsync(marker, 2);
        var modern = Assert.Single(events, e => (string?)e.Fields[SyslogFields.ProcessName] == "billing");
        Assert.Equal("rfc5424", modern.Fields[SyslogFields.Format]);
        Assert.Equal(19L, modern.Fields[SyslogFields.FacilityCode]);
        Assert.Equal(4L, modern.Fields[SyslogFields.SeverityCode]);
        Assert.Equal($"invoice {marker} paid", modern.Fields[SyslogFields.Message]);
        Assert.False(modern.Fields.ContainsKey(SyslogFields.ParseError));

        var traditional = Assert.Single(events, e => (string?)e.Fields[SyslogFields.ProcessName] == "sshd");
        Assert.Equal("rfc3164", traditional.Fields[SyslogFields.Format]);
        Assert.Equal("auth", traditional.Fields[SyslogFields.FacilityName]);
        Assert.Equal($"Accepted password for alice {marker}", traditional.Fields[SyslogFields.Message]);
        Assert.False(traditional.Fields.ContainsKey(SyslogFields.ParseError));
        Assert.All(events, e => Assert.NotNull(e.Timestamp));
        Assert.All(server.Sink.Batches.Where(b => b.Events.Any(e => events.Contains(e))), b => Assert.Equal(SyslogReceiver.TcpSource, b.Origin.Source));
    }
}
