using System.Globalization;
using System.Text;

namespace Quell.Events.Syslog;

/// <summary>Options of the syslog parser.</summary>
public sealed class SyslogParserOptions
{
    /// <summary>The zone RFC 3164 timestamps (which carry none) are read in. Default UTC.</summary>
    public TimeZoneInfo BsdTimeZone { get; init; } = TimeZoneInfo.Utc;
}

/// <summary>
/// Turns one syslog message (the bytes of one frame or datagram) into an event: RFC 5424 when the PRI is followed by a
/// version, RFC 3164 (BSD) otherwise, and CEF when the message text starts with "CEF:". Never throws on bad input: what is
/// not understood stays in <c>message</c> and the raw text, and <c>error.message</c> says what was wrong.
/// </summary>
public sealed class SyslogParser(SyslogParserOptions? options = null)
{
    static readonly string[] Facilities =
    [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp",
        "security", "console", "solaris-cron", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ];

    static readonly string[] Severities = ["emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug"];

    /// <summary>RFC 3164 §4.3.3: a relay gives a message without a valid PRI the priority 13 (user.notice).</summary>
    public const int DefaultPriority = 13;

    readonly SyslogParserOptions _options = options ?? new SyslogParserOptions();

    public TimeZoneInfo BsdTimeZone => _options.BsdTimeZone;

    /// <summary>Parses one message received at <paramref name="receivedAt"/> (which also anchors the year of BSD timestamps).</summary>
    public IncomingEvent Parse(ReadOnlySpan<byte> message, DateTimeOffset receivedAt)
    {
        var fields = new FieldSet();
        var timestamp = ParseInto(message, receivedAt, fields);
        return new IncomingEvent(timestamp, Encoding.UTF8.GetString(message), fields.Fields);
    }

    /// <summary>As <see cref="Parse"/>, plus what the receiver knows: the sender's address and whether the frame was cut.</summary>
    internal IncomingEvent ParseReceived(ReadOnlySpan<byte> message, DateTimeOffset receivedAt, string? peer, long? truncatedFrom)
    {
        var fields = new FieldSet();
        var timestamp = ParseInto(message, receivedAt, fields);
        if (!string.IsNullOrEmpty(peer))
            fields.Set(SyslogFields.HostIp, peer);
        if (truncatedFrom is { } length)
        {
            fields.Set(SyslogFields.Truncated, true);
            fields.Set(SyslogFields.OriginalLength, length);
        }
        return new IncomingEvent(timestamp, Encoding.UTF8.GetString(message), fields.Fields);
    }

    internal DateTimeOffset? ParseInto(ReadOnlySpan<byte> message, DateTimeOffset receivedAt, FieldSet fields)
    {
        fields.Set(SyslogFields.EventCreated, ReceivedText(receivedAt));
        message = TrimTrailer(message);
        var pos = 0;
        var priority = ReadPriority(message, ref pos, fields);
        SetPriority(fields, priority ?? DefaultPriority);

        DateTimeOffset? timestamp;
        string text;
        if (priority is not null && Rfc5424.HasVersion(message[pos..]))
        {
            fields.Set(SyslogFields.Format, "rfc5424");
            timestamp = Rfc5424.Parse(message[pos..], fields, out text);
        }
        else
        {
            timestamp = Rfc3164.Parse(message[pos..], priority is not null, receivedAt, _options.BsdTimeZone, fields, out text);
        }

        if (Cef.IsCef(text))
        {
            var cefTime = Cef.Parse(text, fields);
            timestamp = cefTime ?? timestamp;
        }
        else
        {
            fields.Set(SyslogFields.Message, text);
        }
        if (fields.Fields.TryGetValue(SyslogFields.HostHostname, out var host) && host is string h)
            fields.RelatedHost(h);
        return timestamp;
    }

    /// <summary>Line ends and NULs some senders append to a datagram or frame are not part of the message.</summary>
    static ReadOnlySpan<byte> TrimTrailer(ReadOnlySpan<byte> s)
    {
        var end = s.Length;
        while (end > 0 && s[end - 1] is (byte)'\n' or (byte)'\r' or 0)
            end--;
        return s[..end];
    }

    /// <summary>The PRI part, "&lt;" 1–3 digits "&gt;" with a value up to 191; null (and an error if it looked like one) otherwise.</summary>
    static int? ReadPriority(ReadOnlySpan<byte> s, ref int pos, FieldSet fields)
    {
        if (s.Length == 0 || s[0] != '<')
            return null;
        var value = 0;
        var i = 1;
        while (i < s.Length && i <= 4 && IsDigit(s[i]))
            value = value * 10 + (s[i++] - '0');
        if (i == 1 || i > 4 || i >= s.Length || s[i] != '>' || value > 191 || (s[1] == '0' && i > 2))
        {
            fields.Error("invalid PRI: expected <0> to <191> at the start");
            return null;
        }
        pos = i + 1;
        return value;
    }

    /// <summary>Every priority value boxed once: three boxes per message were most of a short message's garbage.</summary>
    static readonly object[] Boxed = [.. Enumerable.Range(0, 192).Select(i => (object)(long)i)];

    // A receiver stamps a whole read with one receive time: its text is formatted once, not once per message.
    [ThreadStatic]
    static (DateTimeOffset At, string Text) t_received;

    static string ReceivedText(DateTimeOffset receivedAt)
    {
        var cached = t_received;
        if (cached.Text is not null && cached.At == receivedAt && cached.At.Offset == receivedAt.Offset)
            return cached.Text;
        var text = receivedAt.ToString("O", CultureInfo.InvariantCulture);
        t_received = (receivedAt, text);
        return text;
    }

    static void SetPriority(FieldSet fields, int priority)
    {
        fields.Set(SyslogFields.Priority, Boxed[priority]);
        fields.Set(SyslogFields.FacilityCode, Boxed[priority >> 3]);
        fields.Set(SyslogFields.FacilityName, Facilities[priority >> 3]);
        fields.Set(SyslogFields.SeverityCode, Boxed[priority & 7]);
        fields.Set(SyslogFields.SeverityName, Severities[priority & 7]);
    }

    internal static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    /// <summary>Text of untrusted bytes for an error message: at most 40 characters, control characters escaped.</summary>
    internal static string Quote(ReadOnlySpan<byte> s)
    {
        var text = Encoding.UTF8.GetString(s.Length > 40 ? s[..40] : s);
        var b = new StringBuilder(text.Length + 2).Append('\'');
        foreach (var c in text)
        {
            if (char.IsControl(c))
                b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else
                b.Append(c);
        }
        if (s.Length > 40)
            b.Append('…');
        return b.Append('\'').ToString();
    }
}
