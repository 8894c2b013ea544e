using System.Net.Sockets;
using System.Text;
using Quell.Events.Syslog;

namespace Quell.Tests.Events.Syslog;

/// <summary>The receivers of a running server, fed by util-linux logger and by raw sockets.</summary>
public class SyslogReceiverTests(SyslogServer server) : IClassFixture<SyslogServer>
{
    static string Marker() => "m" + Guid.NewGuid().ToString("N")[..12];

    static string Port(System.Net.IPEndPoint e) => e.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Logger_rfc5424_over_tcp_with_octet_counting()
    {
        var marker = Marker();
        await SyslogServer.LoggerAsync("-n", "127.0.0.1", "-P", Port(server.Tcp), "-T", "--rfc5424", "--octet-count",
            "-t", "billing", "-p", "local3.warning", "--id=4242", "--msgid", "PAY7", "--sd-id", "zoo@32473", "--sd-param", "tiger=\"hungry \\\"very\\\"\"",
            $"invoice {marker} paid");
        var e = Assert.Single(await server.Sink.WaitForAsync(marker, 1));
        Assert.Equal("rfc5424", e.Fields[SyslogFields.Format]);
        Assert.Equal(19L, e.Fields[SyslogFields.FacilityCode]);
        Assert.Equal(4L, e.Fields[SyslogFields.SeverityCode]);
        Assert.Equal("billing", e.Fields[SyslogFields.ProcessName]);
        Assert.Equal(4242L, e.Fields[SyslogFields.ProcessPid]);
        Assert.Equal("PAY7", e.Fields[SyslogFields.MsgId]);
        Assert.Equal("hungry \"very\"", e.Fields["log.syslog.structured_data.zoo@32473.tiger"]);
        Assert.Equal($"invoice {marker} paid", e.Fields[SyslogFields.Message]);
        Assert.Equal("127.0.0.1", e.Fields[SyslogFields.HostIp]);
        Assert.NotNull(e.Timestamp);
        Assert.True((DateTimeOffset.UtcNow - e.Timestamp!.Value).Duration() < TimeSpan.FromHours(1), $"logger's timestamp {e.Timestamp} is now");
        Assert.False(e.Fields.ContainsKey(SyslogFields.ParseError));
        var batch = server.Sink.Batches.Single(b => b.Events.Contains(e));
        Assert.Equal(SyslogReceiver.TcpSource, batch.Origin.Source);
        Assert.Equal(await server.DefaultOrganisationIdAsync(), batch.Origin.OrgId);
    }

    [Fact]
    public async Task Logger_rfc3164_over_tcp_with_newline_framing()
    {
        var marker = Marker();
        await SyslogServer.LoggerAsync("-n", "127.0.0.1", "-P", Port(server.Tcp), "-T", "--rfc3164", "-t", "sshd", "-p", "auth.info", "--id=77",
            $"Accepted password for alice {marker}");
        var e = Assert.Single(await server.Sink.WaitForAsync(marker, 1));
        Assert.Equal("rfc3164", e.Fields[SyslogFields.Format]);
        Assert.Equal("auth", e.Fields[SyslogFields.FacilityName]);
        Assert.Equal("sshd", e.Fields[SyslogFields.ProcessName]);
        Assert.Equal(77L, e.Fields[SyslogFields.ProcessPid]);
        Assert.Equal($"Accepted password for alice {marker}", e.Fields[SyslogFields.Message]);
        Assert.True(e.Fields.ContainsKey(SyslogFields.HostHostname));
        Assert.NotNull(e.Timestamp);
    }

    [Fact]
    public async Task Logger_over_udp_in_both_formats()
    {
        var marker = Marker();
        await SyslogServer.LoggerAsync("-n", "127.0.0.1", "-P", Port(server.Udp), "-d", "--rfc5424", "-t", "app5424", $"udp one {marker}");
        await SyslogServer.LoggerAsync("-n", "127.0.0.1", "-P", Port(server.Udp), "-d", "--rfc3164", "-t", "app3164", $"udp two {marker}");
        var events = await server.Sink.WaitForAsync(marker, 2);
        Assert.Equal(["app3164", "app5424"], events.Select(e => (string)e.Fields[SyslogFields.ProcessName]!).Order());
        Assert.All(events, e => Assert.Equal("127.0.0.1", e.Fields[SyslogFields.HostIp]));
        var batches = server.Sink.Batches.Where(b => b.Events.Any(e => e.Raw.Contains(marker, StringComparison.Ordinal)));
        Assert.All(batches, b => Assert.Equal(SyslogReceiver.UdpSource, b.Origin.Source));
    }

    [Fact]
    public async Task Raw_octet_counted_stream_in_small_writes_arrives_whole_and_in_order()
    {
        var marker = Marker();
        var stream = new StringBuilder();
        for (var i = 0; i < 2_500; i++)
        {
            var m = $"<14>1 2026-11-28T10:00:00Z h app - - - {marker} #{i:0000} ünïcödé";
            stream.Append(Encoding.UTF8.GetByteCount(m)).Append(' ').Append(m);
        }
        var bytes = Encoding.UTF8.GetBytes(stream.ToString());
        using (var client = new TcpClient())
        {
            client.NoDelay = true;
            await client.ConnectAsync(server.Tcp);
            var net = client.GetStream();
            // Writes of 7 bytes cut lengths, headers and UTF-8 sequences apart.
            for (var offset = 0; offset < 2_000; offset += 7)
            {
                await net.WriteAsync(bytes.AsMemory(offset, 7));
                await net.FlushAsync();
            }
            await net.WriteAsync(bytes.AsMemory(2_002));
        }
        var events = await server.Sink.WaitForAsync(marker, 2_500);
        Assert.Equal(2_500, events.Count);
        Assert.Equal(Enumerable.Range(0, 2_500).Select(i => $"{marker} #{i:0000} ünïcödé"), events.Select(e => (string)e.Fields[SyslogFields.Message]!));
        var batches = server.Sink.Batches.Where(b => b.Events.Any(e => e.Raw.Contains(marker, StringComparison.Ordinal))).ToList();
        Assert.All(batches, b => Assert.InRange(b.Events.Count, 1, 1_000));
    }

    [Fact]
    public async Task Oversize_message_is_truncated_flagged_and_the_stream_goes_on()
    {
        var marker = Marker();
        var big = $"<13>1 - h app - - - {marker} " + new string('x', 100_000);
        var next = $"<13>1 - h app - - - {marker} after";
        var payload = $"{Encoding.UTF8.GetByteCount(big)} {big}{Encoding.UTF8.GetByteCount(next)} {next}";
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(server.Tcp);
            await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes(payload));
        }
        var events = await server.Sink.WaitForAsync(marker, 2);
        Assert.Equal(true, events[0].Fields[SyslogFields.Truncated]);
        Assert.Equal((long)Encoding.UTF8.GetByteCount(big), events[0].Fields[SyslogFields.OriginalLength]);
        Assert.Equal(64 * 1024, events[0].Raw.Length);
        Assert.Equal($"{marker} after", events[1].Fields[SyslogFields.Message]);
        Assert.True(server.Counters.Truncated >= 1);
    }

    [Fact]
    public async Task Garbage_is_stored_as_malformed_with_its_raw_text()
    {
        var marker = Marker();
        using (var udp = new UdpClient())
            await udp.SendAsync(Encoding.UTF8.GetBytes($"<777>{marker} not syslog"), server.Udp);
        var e = Assert.Single(await server.Sink.WaitForAsync(marker, 1));
        Assert.Equal($"<777>{marker} not syslog", e.Raw);
        Assert.Contains("invalid PRI", (string)e.Fields[SyslogFields.ParseError]!);
        Assert.True(server.Counters.Malformed >= 1);
    }
}
