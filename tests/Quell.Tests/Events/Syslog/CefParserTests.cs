using System.Text;
using Quell.Events;
using Quell.Events.Syslog;

namespace Quell.Tests.Events.Syslog;

/// <summary>CEF in syslog. The samples with "threatmanager" are the examples of the ArcSight CEF specification ("Implementing ArcSight CEF", header and extension escaping).</summary>
public class CefParserTests
{
    static readonly DateTimeOffset Received = new(2026, 11, 29, 2, 0, 0, TimeSpan.Zero);

    static IncomingEvent Parse(string message) => new SyslogParser().Parse(Encoding.UTF8.GetBytes(message), Received);

    [Fact]
    public void Spec_example_in_bsd_syslog_maps_header_and_extension()
    {
        var e = Parse("Sep 19 08:26:10 host CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232");
        Assert.Equal("host", e.Fields[SyslogFields.HostHostname]);
        Assert.Equal("0", e.Fields["cef.version"]);
        Assert.Equal("Security", e.Fields["cef.device.vendor"]);
        Assert.Equal("threatmanager", e.Fields["cef.device.product"]);
        Assert.Equal("1.0", e.Fields["cef.device.version"]);
        Assert.Equal("100", e.Fields["cef.device.event_class_id"]);
        Assert.Equal("worm successfully stopped", e.Fields["cef.name"]);
        Assert.Equal("10", e.Fields["cef.severity"]);
        Assert.Equal(10L, e.Fields["event.severity"]);
        Assert.Equal("Security", e.Fields["observer.vendor"]);
        Assert.Equal("100", e.Fields["event.code"]);
        Assert.Equal("10.0.0.1", e.Fields["source.ip"]);
        Assert.Equal("2.1.2.2", e.Fields["destination.ip"]);
        Assert.Equal(1232L, e.Fields["source.port"]);
        Assert.Equal("10.0.0.1", e.Fields["cef.extensions.src"]);
        Assert.Equal(["10.0.0.1", "2.1.2.2"], (IEnumerable<object?>)e.Fields[SyslogFields.RelatedIp]!);
        Assert.Equal("worm successfully stopped", e.Fields[SyslogFields.Message]);
        Assert.False(e.Fields.ContainsKey(SyslogFields.ParseError));
    }

    [Fact]
    public void Spec_example_escaped_pipe_in_header_and_plain_pipe_in_extension()
    {
        var e = Parse("CEF:0|security|threatmanager|1.0|100|detected a \\| in message|10|src=10.0.0.1 act=blocked a | dst=1.1.1.1");
        Assert.Equal("detected a | in message", e.Fields["cef.name"]);
        Assert.Equal("blocked a |", e.Fields["event.action"]);
        Assert.Equal("1.1.1.1", e.Fields["destination.ip"]);
    }

    [Fact]
    public void Spec_example_escaped_backslash()
    {
        var e = Parse("CEF:0|security|threatmanager|1.0|100|detected a \\\\ in packet|10|src=10.0.0.1 act=blocked a \\\\ dst=1.1.1.1");
        Assert.Equal("detected a \\ in packet", e.Fields["cef.name"]);
        Assert.Equal("blocked a \\", e.Fields["event.action"]);
    }

    [Fact]
    public void Spec_example_escaped_equals_sign()
    {
        var e = Parse("CEF:0|security|threatmanager|1.0|100|detected a = in message|10|src=10.0.0.1 act=blocked a \\= dst=1.1.1.1");
        Assert.Equal("blocked a =", e.Fields["event.action"]);
        Assert.Equal("1.1.1.1", e.Fields["destination.ip"]);
    }

    [Fact]
    public void Spec_example_multi_line_message()
    {
        var e = Parse("CEF:0|security|threatmanager|1.0|100|Detected a threat|10|src=10.0.0.1 msg=Detected a threat.\\n No action needed.");
        Assert.Equal("Detected a threat.\n No action needed.", e.Fields[SyslogFields.Message]);
    }

    [Fact]
    public void Values_with_spaces_users_hosts_and_rfc5424_header()
    {
        var e = Parse("<134>1 2026-11-28T10:00:00Z fw01 CEF - - - CEF:0|Palo Alto Networks|PAN-OS|10.1|TRAFFIC|end|3|" +
                      "rt=1795860000000 src=192.0.2.10 spt=51000 dst=198.51.100.7 dpt=443 proto=TCP suser=corp\\\\alice duser=bob shost=ws-17 dhost=www.example.com " +
                      "request=https://www.example.com/a?b=c&d=e cs1Label=Rule Name cs1=allow web out in=1234 out=5678 outcome=Success");
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1795860000000), e.Timestamp);
        Assert.Equal("fw01", e.Fields[SyslogFields.HostHostname]);
        Assert.Equal(443L, e.Fields["destination.port"]);
        Assert.Equal("tcp", e.Fields["network.transport"]);
        Assert.Equal("corp\\alice", e.Fields["source.user.name"]);
        Assert.Equal("bob", e.Fields["destination.user.name"]);
        Assert.Equal("corp\\alice", e.Fields["user.name"]);
        Assert.Equal("ws-17", e.Fields["source.domain"]);
        Assert.Equal("https://www.example.com/a?b=c&d=e", e.Fields["url.original"]);
        Assert.Equal("Rule Name", e.Fields["cef.extensions.cs1Label"]);
        Assert.Equal("allow web out", e.Fields["cef.extensions.cs1"]);
        Assert.Equal(1234L, e.Fields["source.bytes"]);
        Assert.Equal("success", e.Fields["event.outcome"]);
        Assert.Equal(["corp\\alice", "bob"], (IEnumerable<object?>)e.Fields[SyslogFields.RelatedUser]!);
        Assert.Equal(["fw01", "ws-17", "www.example.com"], ((IEnumerable<object?>)e.Fields[SyslogFields.RelatedHosts]!).Order());
        Assert.Equal("end", e.Fields[SyslogFields.Message]);
    }

    [Fact]
    public void Receipt_time_in_spec_date_format()
    {
        var e = Parse("CEF:0|v|p|1|id|n|Low|rt=Nov 28 2026 10:00:00.250 UTC");
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 10, 0, 0, 250, TimeSpan.Zero), e.Timestamp);
        Assert.False(e.Fields.ContainsKey("event.severity"));
        Assert.Equal("Low", e.Fields["cef.severity"]);
    }

    [Fact]
    public void Bad_values_are_errors_and_keep_their_originals()
    {
        var e = Parse("CEF:0|v|p|1|id|n|5|src=not-an-ip dpt=http");
        Assert.False(e.Fields.ContainsKey("source.ip"));
        Assert.Equal("not-an-ip", e.Fields["cef.extensions.src"]);
        Assert.Equal("http", e.Fields["cef.extensions.dpt"]);
        Assert.Contains("CEF src is not an IP address", (string)e.Fields[SyslogFields.ParseError]!);
        Assert.Contains("CEF dpt is not a number", (string)e.Fields[SyslogFields.ParseError]!);
    }

    [Fact]
    public void Header_with_too_few_fields_is_an_error_and_kept_as_message()
    {
        var e = Parse("<13>Nov 28 10:00:00 fw CEF:0|vendor|product");
        Assert.Equal("invalid CEF: the header has 3 of its 8 '|'-separated fields", e.Fields[SyslogFields.ParseError]);
        Assert.Equal("CEF:0|vendor|product", e.Fields[SyslogFields.Message]);
        Assert.Equal("fw", e.Fields[SyslogFields.HostHostname]);
    }

    [Fact]
    public void Extension_keys_need_a_space_before_them()
    {
        var pairs = Cef.Extension("a=1 b=x=y c=two words d=");
        Assert.Equal(new (string, string)[] { ("a", "1"), ("b", "x=y"), ("c", "two words"), ("d", "") }, pairs);
    }
}
