using System.Text;
using Quell.Events;
using Quell.Events.Syslog;

namespace Quell.Tests.Events.Syslog;

/// <summary>BSD syslog; the first four are the examples of RFC 3164 §5.4.</summary>
public class Rfc3164ParserTests
{
    static readonly DateTimeOffset Received = new(2026, 11, 29, 2, 0, 0, TimeSpan.Zero);

    static IncomingEvent Parse(string message, DateTimeOffset? received = null, TimeZoneInfo? zone = null) =>
        new SyslogParser(new SyslogParserOptions { BsdTimeZone = zone ?? TimeZoneInfo.Utc }).Parse(Encoding.UTF8.GetBytes(message), received ?? Received);

    [Fact]
    public void Rfc_example_1_full_header()
    {
        var e = Parse("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
        Assert.Equal(new DateTimeOffset(2026, 10, 11, 22, 14, 15, TimeSpan.Zero), e.Timestamp);
        Assert.Equal(34L, e.Fields[SyslogFields.Priority]);
        Assert.Equal("mymachine", e.Fields[SyslogFields.HostHostname]);
        Assert.Equal("su", e.Fields[SyslogFields.ProcessName]);
        Assert.Equal("'su root' failed for lonvick on /dev/pts/8", e.Fields[SyslogFields.Message]);
        Assert.Equal("rfc3164", e.Fields[SyslogFields.Format]);
        Assert.False(e.Fields.ContainsKey(SyslogFields.ParseError));
    }

    [Fact]
    public void Rfc_example_2_no_pri_gets_user_notice()
    {
        var e = Parse("Use the BFG!");
        Assert.Equal(13L, e.Fields[SyslogFields.Priority]);
        Assert.Equal("user", e.Fields[SyslogFields.FacilityName]);
        Assert.Equal("notice", e.Fields[SyslogFields.SeverityName]);
        Assert.Equal("Use the BFG!", e.Fields[SyslogFields.Message]);
        Assert.Equal("none", e.Fields[SyslogFields.Format]);
        Assert.Null(e.Timestamp);
        Assert.False(e.Fields.ContainsKey(SyslogFields.HostHostname));
    }

    [Fact]
    public void Rfc_example_3_hostname_is_the_token_after_the_timestamp()
    {
        // §5.4: "CST" sits where the HOSTNAME belongs; a receiver cannot know better, and the rest stays in the message.
        var e = Parse("<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK #");
        Assert.Equal(new DateTimeOffset(2026, 8, 24, 5, 34, 0, TimeSpan.Zero), e.Timestamp);
        Assert.Equal("CST", e.Fields[SyslogFields.HostHostname]);
        Assert.False(e.Fields.ContainsKey(SyslogFields.ProcessName));
        Assert.Equal("1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK #", e.Fields[SyslogFields.Message]);
    }

    [Fact]
    public void Rfc_example_4_invalid_timestamp_leaves_everything_in_the_message()
    {
        var e = Parse("<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!");
        Assert.Equal(0L, e.Fields[SyslogFields.Priority]);
        Assert.Equal("kern", e.Fields[SyslogFields.FacilityName]);
        Assert.Equal("emergency", e.Fields[SyslogFields.SeverityName]);
        Assert.Null(e.Timestamp);
        Assert.Equal("1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!", e.Fields[SyslogFields.Message]);
        Assert.Equal("rfc3164", e.Fields[SyslogFields.Format]);
    }

    [Fact]
    public void Tag_with_pid_and_space_padded_day()
    {
        var e = Parse("<38>Feb  5 17:32:18 web01 sshd[4123]: Accepted publickey for alice from 203.0.113.9 port 50022 ssh2");
        Assert.Equal(new DateTimeOffset(2026, 2, 5, 17, 32, 18, TimeSpan.Zero), e.Timestamp);
        Assert.Equal("web01", e.Fields[SyslogFields.HostHostname]);
        Assert.Equal("sshd", e.Fields[SyslogFields.ProcessName]);
        Assert.Equal(4123L, e.Fields[SyslogFields.ProcessPid]);
        Assert.Equal("Accepted publickey for alice from 203.0.113.9 port 50022 ssh2", e.Fields[SyslogFields.Message]);
    }

    [Fact]
    public void Missing_hostname_is_recognised_by_the_tag_colon()
    {
        var e = Parse("<13>Nov 28 10:00:00 postfix/smtpd[99]: connect from unknown");
        Assert.False(e.Fields.ContainsKey(SyslogFields.HostHostname));
        Assert.Equal("postfix/smtpd", e.Fields[SyslogFields.ProcessName]);
        Assert.Equal(99L, e.Fields[SyslogFields.ProcessPid]);
        Assert.Equal("connect from unknown", e.Fields[SyslogFields.Message]);
    }

    [Fact]
    public void Missing_tag_leaves_the_message_whole()
    {
        var e = Parse("<13>Nov 28 10:00:00 router1 link down on ge-0/0/1");
        Assert.Equal("router1", e.Fields[SyslogFields.HostHostname]);
        Assert.False(e.Fields.ContainsKey(SyslogFields.ProcessName));
        Assert.Equal("link down on ge-0/0/1", e.Fields[SyslogFields.Message]);
    }

    [Fact]
    public void Rfc3339_timestamp_in_a_bsd_message_is_read()
    {
        var e = Parse("<30>2026-11-28T23:10:01.123456+01:00 host1 CRON[77]: (root) CMD (run-parts)");
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 23, 10, 1, TimeSpan.FromHours(1)).AddTicks(1234560), e.Timestamp);
        Assert.Equal("host1", e.Fields[SyslogFields.HostHostname]);
        Assert.Equal("CRON", e.Fields[SyslogFields.ProcessName]);
    }

    [Fact]
    public void Invalid_pri_is_an_error_and_the_text_is_kept()
    {
        var e = Parse("<999>Oct 11 22:14:15 host app: x");
        Assert.Contains("invalid PRI", (string)e.Fields[SyslogFields.ParseError]!);
        Assert.Equal(13L, e.Fields[SyslogFields.Priority]);
        Assert.Equal("<999>Oct 11 22:14:15 host app: x", e.Raw);
        Assert.Equal("<999>Oct 11 22:14:15 host app: x", e.Fields[SyslogFields.Message]);
    }

    [Theory]
    [InlineData("2026-01-01T00:00:30Z", "Dec 31 23:59:50", "2025-12-31T23:59:50.0000000+00:00")]
    [InlineData("2025-12-31T23:59:50Z", "Jan  1 00:00:30", "2026-01-01T00:00:30.0000000+00:00")]
    [InlineData("2026-06-15T12:00:00Z", "Jun 15 11:59:00", "2026-06-15T11:59:00.0000000+00:00")]
    [InlineData("2027-03-01T00:00:00Z", "Feb 29 10:00:00", "2024-02-29T10:00:00.0000000+00:00")]
    [InlineData("2026-11-29T02:00:00Z", "Feb  5 17:32:18", "2026-02-05T17:32:18.0000000+00:00")]
    [InlineData("2026-11-29T02:00:00Z", "Dec  3 00:00:00", "2026-12-03T00:00:00.0000000+00:00")]
    [InlineData("2026-11-29T02:00:00Z", "Dec  7 00:00:00", "2025-12-07T00:00:00.0000000+00:00")]
    public void Year_is_the_latest_not_more_than_a_week_ahead(string received, string stamp, string expected)
    {
        var e = Parse($"<13>{stamp} h t: m", DateTimeOffset.Parse(received, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expected, e.Timestamp!.Value.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Bsd_timestamps_are_read_in_the_configured_zone()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var summer = Parse("<13>Jul  1 12:00:00 h t: m", new DateTimeOffset(2026, 7, 1, 10, 0, 0, TimeSpan.Zero), berlin);
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.FromHours(2)), summer.Timestamp);
        var winter = Parse("<13>Jan  1 12:00:00 h t: m", new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero), berlin);
        Assert.Equal(TimeSpan.FromHours(1), winter.Timestamp!.Value.Offset);
    }

    [Fact]
    public void Trailing_line_ends_and_nuls_are_not_part_of_the_message()
    {
        var e = Parse("<13>Nov 28 10:00:00 h t: hello\r\n\0");
        Assert.Equal("hello", e.Fields[SyslogFields.Message]);
    }
}
