using System.Text;
using Quell.Events;
using Quell.Events.Syslog;

namespace Quell.Tests.Events.Syslog;

/// <summary>RFC 5424 messages; the first four are the examples of RFC 5424 §6.5 (BOM written as the bytes EF BB BF).</summary>
public class Rfc5424ParserTests
{
    static readonly DateTimeOffset Received = new(2026, 11, 29, 2, 0, 0, TimeSpan.Zero);
    const string Bom = "\uFEFF";

    internal static IncomingEvent Parse(string message) => new SyslogParser().Parse(Encoding.UTF8.GetBytes(message), Received);

    [Fact]
    public void Rfc_example_1_with_bom_and_no_structured_data()
    {
        var e = Parse("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - " + Bom + "'su root' failed for lonvick on /dev/pts/8");
        Assert.Equal(new DateTimeOffset(2003, 10, 11, 22, 14, 15, 3, TimeSpan.Zero), e.Timestamp);
        Assert.Equal(34L, e.Fields[SyslogFields.Priority]);
        Assert.Equal(4L, e.Fields[SyslogFields.FacilityCode]);
        Assert.Equal("auth", e.Fields[SyslogFields.FacilityName]);
        Assert.Equal(2L, e.Fields[SyslogFields.SeverityCode]);
        Assert.Equal("critical", e.Fields[SyslogFields.SeverityName]);
        Assert.Equal(1L, e.Fields[SyslogFields.Version]);
        Assert.Equal("mymachine.example.com", e.Fields[SyslogFields.HostHostname]);
        Assert.Equal("su", e.Fields[SyslogFields.ProcessName]);
        Assert.False(e.Fields.ContainsKey(SyslogFields.ProcId));
        Assert.Equal("ID47", e.Fields[SyslogFields.MsgId]);
        Assert.Equal("'su root' failed for lonvick on /dev/pts/8", e.Fields[SyslogFields.Message]);
        Assert.Equal("rfc5424", e.Fields[SyslogFields.Format]);
        Assert.Equal(["mymachine.example.com"], (IEnumerable<object?>)e.Fields[SyslogFields.RelatedHosts]!);
        Assert.False(e.Fields.ContainsKey(SyslogFields.ParseError));
        Assert.Equal("2026-11-29T02:00:00.0000000+00:00", e.Fields[SyslogFields.EventCreated]);
    }

    [Fact]
    public void Rfc_example_2_with_microseconds_offset_and_ip_hostname()
    {
        var e = Parse("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.");
        Assert.Equal(new DateTimeOffset(2003, 8, 24, 5, 14, 15, TimeSpan.FromHours(-7)).AddTicks(30), e.Timestamp);
        Assert.Equal(20L, e.Fields[SyslogFields.FacilityCode]);
        Assert.Equal("local4", e.Fields[SyslogFields.FacilityName]);
        Assert.Equal(5L, e.Fields[SyslogFields.SeverityCode]);
        Assert.Equal("192.0.2.1", e.Fields[SyslogFields.HostHostname]);
        Assert.Equal("myproc", e.Fields[SyslogFields.ProcessName]);
        Assert.Equal(8710L, e.Fields[SyslogFields.ProcessPid]);
        Assert.Equal("8710", e.Fields[SyslogFields.ProcId]);
        Assert.False(e.Fields.ContainsKey(SyslogFields.MsgId));
        Assert.Equal("%% It's time to make the do-nuts.", e.Fields[SyslogFields.Message]);
    }

    [Fact]
    public void Rfc_example_3_with_structured_data_and_message()
    {
        var e = Parse("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] " +
                      Bom + "An application event log entry...");
        Assert.Equal("3", e.Fields["log.syslog.structured_data.exampleSDID@32473.iut"]);
        Assert.Equal("Application", e.Fields["log.syslog.structured_data.exampleSDID@32473.eventSource"]);
        Assert.Equal("1011", e.Fields["log.syslog.structured_data.exampleSDID@32473.eventID"]);
        Assert.Equal("An application event log entry...", e.Fields[SyslogFields.Message]);
        Assert.False(e.Fields.ContainsKey(SyslogFields.ParseError));
    }

    [Fact]
    public void Rfc_example_4_with_two_elements_and_no_message()
    {
        var e = Parse("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"]");
        Assert.Equal("1011", e.Fields["log.syslog.structured_data.exampleSDID@32473.eventID"]);
        Assert.Equal("high", e.Fields["log.syslog.structured_data.examplePriority@32473.class"]);
        Assert.Equal("", e.Fields[SyslogFields.Message]);
        Assert.False(e.Fields.ContainsKey(SyslogFields.ParseError));
    }

    [Fact]
    public void Structured_data_escapes_quote_backslash_and_bracket_and_keeps_other_backslashes()
    {
        var e = Parse("<13>1 - host app - - [x@1 a=\"say \\\"hi\\\"\" b=\"c:\\\\dir\" c=\"[1\\]\" d=\"\\n stays\"] msg");
        Assert.Equal("say \"hi\"", e.Fields["log.syslog.structured_data.x@1.a"]);
        Assert.Equal("c:\\dir", e.Fields["log.syslog.structured_data.x@1.b"]);
        Assert.Equal("[1]", e.Fields["log.syslog.structured_data.x@1.c"]);
        Assert.Equal("\\n stays", e.Fields["log.syslog.structured_data.x@1.d"]);
        Assert.Equal("msg", e.Fields[SyslogFields.Message]);
        Assert.Null(e.Timestamp);
    }

    [Fact]
    public void Repeated_parameter_becomes_a_list()
    {
        var e = Parse("<13>1 - host app - - [origin ip=\"192.0.2.1\" ip=\"192.0.2.2\"] msg");
        Assert.Equal(["192.0.2.1", "192.0.2.2"], (IEnumerable<object?>)e.Fields["log.syslog.structured_data.origin.ip"]!);
    }

    [Fact]
    public void Unterminated_structured_data_keeps_earlier_elements_and_the_rest_as_message()
    {
        var e = Parse("<13>1 - host app - - [a@1 x=\"1\"][b@1 y=\"open] tail");
        Assert.Equal("1", e.Fields["log.syslog.structured_data.a@1.x"]);
        Assert.False(e.Fields.ContainsKey("log.syslog.structured_data.b@1.y"));
        Assert.Equal("[b@1 y=\"open] tail", e.Fields[SyslogFields.Message]);
        Assert.Contains("no closing quote", (string)e.Fields[SyslogFields.ParseError]!);
    }

    [Fact]
    public void Invalid_timestamp_is_an_error_but_the_rest_is_parsed()
    {
        var e = Parse("<13>1 2003-13-11T22:14:15Z host app 1 - - hello");
        Assert.Null(e.Timestamp);
        Assert.Contains("invalid TIMESTAMP", (string)e.Fields[SyslogFields.ParseError]!);
        Assert.Equal("host", e.Fields[SyslogFields.HostHostname]);
        Assert.Equal("hello", e.Fields[SyslogFields.Message]);
    }

    [Fact]
    public void Header_cut_short_is_an_error_naming_the_missing_field()
    {
        var e = Parse("<13>1 2003-10-11T22:14:15Z host");
        Assert.Equal("header ends before APP-NAME", e.Fields[SyslogFields.ParseError]);
        Assert.Equal("host", e.Fields[SyslogFields.HostHostname]);
        Assert.Equal("<13>1 2003-10-11T22:14:15Z host", e.Raw);
    }

    [Theory]
    [InlineData("2003-10-11T22:14:15Z", "2003-10-11T22:14:15.0000000+00:00")]
    [InlineData("2003-10-11T22:14:15.123456+02:00", "2003-10-11T22:14:15.1234560+02:00")]
    [InlineData("2003-10-11T22:14:15.123456789-05:30", "2003-10-11T22:14:15.1234567-05:30")]
    [InlineData("2016-12-31T23:59:60Z", "2016-12-31T23:59:59.9999999+00:00")]
    public void Timestamps_keep_fraction_and_offset(string text, string expected)
    {
        var e = Parse($"<13>1 {text} h a - - - m");
        Assert.Equal(expected, e.Timestamp!.Value.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("2003-10-11 22:14:15Z")]
    [InlineData("2003-02-30T22:14:15Z")]
    [InlineData("2003-10-11T22:14:15")]
    [InlineData("2003-10-11T22:14:15.Z")]
    [InlineData("2003-10-11T25:14:15Z")]
    [InlineData("2003-10-11T22:14:15+2:00")]
    public void Malformed_timestamps_are_refused(string text)
    {
        Assert.Null(Timestamps.ParseRfc3339(Encoding.ASCII.GetBytes(text)));
    }

    [Fact]
    public void Invalid_utf8_in_message_is_replaced_not_fatal()
    {
        byte[] bytes = [.. "<13>1 - h a - - - "u8, 0xC3, 0x28, 0xFF, .. " end"u8];
        var e = new SyslogParser().Parse(bytes, Received);
        Assert.Equal("\uFFFD(\uFFFD end", e.Fields[SyslogFields.Message]);
    }
}
