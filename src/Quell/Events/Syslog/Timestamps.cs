namespace Quell.Events.Syslog;

/// <summary>Timestamp forms syslog senders use, read from bytes without allocating.</summary>
internal static class Timestamps
{
    static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>
    /// RFC 3339 as RFC 5424 §6.2.3 restricts it: <c>YYYY-MM-DDThh:mm:ss[.1–6 digits](Z|±hh:mm)</c>. Longer fractions
    /// (some senders write nanoseconds) are accepted and cut to the 100 ns a DateTimeOffset holds. Null when invalid.
    /// </summary>
    public static DateTimeOffset? ParseRfc3339(ReadOnlySpan<byte> s)
    {
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || (s[10] | 0x20) != 't' || s[13] != ':' || s[16] != ':')
            return null;
        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day) ||
            !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second))
            return null;
        var i = 19;
        long ticks = 0;
        if (s[i] == '.')
        {
            i++;
            var start = i;
            var scale = TimeSpan.TicksPerSecond;
            while (i < s.Length && SyslogParser.IsDigit(s[i]))
            {
                scale /= 10;
                ticks += (s[i] - '0') * scale;
                i++;
            }
            if (i == start)
                return null;
        }
        if (i >= s.Length)
            return null;
        TimeSpan offset;
        if ((s[i] | 0x20) == 'z' && i + 1 == s.Length)
        {
            offset = TimeSpan.Zero;
        }
        else if (s[i] is (byte)'+' or (byte)'-' && i + 6 == s.Length && s[i + 3] == ':' &&
                 Digits(s, i + 1, 2, out var oh) && Digits(s, i + 4, 2, out var om) && oh <= 14 && om < 60)
        {
            offset = new TimeSpan(oh, om, 0);
            if (s[i] == '-')
                offset = -offset;
        }
        else
        {
            return null;
        }
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Max(year, 1), month) || hour > 23 || minute > 59 || second > 60 || year < 1)
            return null;
        // A leap second (":60") is read as the last instant of its minute rather than refused.
        var leap = second == 60;
        var local = new DateTime(year, month, day, hour, minute, leap ? 59 : second, DateTimeKind.Unspecified).AddTicks(leap ? TimeSpan.TicksPerSecond - 1 : ticks);
        try
        {
            return new DateTimeOffset(local, offset);
        }
        catch (ArgumentOutOfRangeException)
        {
            // 0001-01-01T00:00:00+01:00 is before DateTimeOffset.MinValue in UTC.
            return null;
        }
    }

    /// <summary>
    /// The BSD timestamp <c>Mmm dd hh:mm:ss</c> (day padded with a space or not), optionally with a fraction. Returns the
    /// bytes read (0 if none) and the month, day and time; the year is not in it.
    /// </summary>
    public static int ReadBsd(ReadOnlySpan<byte> s, out int month, out int day, out TimeSpan time)
    {
        month = day = 0;
        time = default;
        if (s.Length < 14 || s[3] != ' ')
            return 0;
        month = MonthOf(s[..3]);
        if (month == 0)
            return 0;
        var i = 4;
        if (s[i] == ' ')
            i++;
        var dayStart = i;
        while (i < s.Length && i - dayStart < 2 && SyslogParser.IsDigit(s[i]))
            day = day * 10 + (s[i++] - '0');
        if (i == dayStart || day is < 1 or > 31 || i + 9 > s.Length || s[i] != ' ')
            return 0;
        i++;
        if (!Digits(s, i, 2, out var h) || s[i + 2] != ':' || !Digits(s, i + 3, 2, out var m) || s[i + 5] != ':' || !Digits(s, i + 6, 2, out var sec) ||
            h > 23 || m > 59 || sec > 59)
            return 0;
        i += 8;
        long ticks = 0;
        if (i + 1 < s.Length && s[i] == '.' && SyslogParser.IsDigit(s[i + 1]))
        {
            i++;
            var scale = TimeSpan.TicksPerSecond;
            while (i < s.Length && SyslogParser.IsDigit(s[i]))
            {
                scale /= 10;
                ticks += (s[i] - '0') * scale;
                i++;
            }
        }
        time = new TimeSpan(h, m, sec).Add(TimeSpan.FromTicks(ticks));
        return i;
    }

    /// <summary>How far after its reception a BSD timestamp may lie (a sender's clock running ahead) and keep the later year.</summary>
    static readonly TimeSpan BsdFutureTolerance = TimeSpan.FromDays(7);

    /// <summary>
    /// The year of a BSD timestamp: the latest year that puts it no more than <see cref="BsdFutureTolerance"/> after
    /// <paramref name="receivedAt"/>. A message from Dec 31 arriving on Jan 1 is from last year; a sender whose clock runs
    /// a little ahead into January while we are in December is in the next; an old February line replayed in November is
    /// from this February, not the next. Feb 29 goes back to the last leap year. Null if no year fits.
    /// </summary>
    public static DateTimeOffset? ResolveBsd(int month, int day, TimeSpan time, DateTimeOffset receivedAt, TimeZoneInfo zone)
    {
        var nowLocal = TimeZoneInfo.ConvertTime(receivedAt, zone);
        for (var year = nowLocal.Year + 1; year >= nowLocal.Year - 8; year--)
        {
            if (year < 2 || year > 9998 || day > DateTime.DaysInMonth(year, month))
                continue;
            var local = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Unspecified).Add(time);
            // A time skipped by a daylight-saving change has no offset of its own; the standard offset is as good a guess as any.
            var offset = zone.IsInvalidTime(local) ? zone.BaseUtcOffset : zone.GetUtcOffset(local);
            var candidate = new DateTimeOffset(local, offset);
            if (candidate - receivedAt <= BsdFutureTolerance)
                return candidate;
        }
        return null;
    }

    public static int MonthOf(ReadOnlySpan<byte> s)
    {
        if (s.Length != 3)
            return 0;
        for (var m = 0; m < 12; m++)
        {
            var name = Months[m];
            if ((s[0] | 0x20) == (name[0] | 0x20) && (s[1] | 0x20) == name[1] && (s[2] | 0x20) == name[2])
                return m + 1;
        }
        return 0;
    }

    static bool Digits(ReadOnlySpan<byte> s, int start, int count, out int value)
    {
        value = 0;
        if (start < 0 || start + count > s.Length)
            return false;
        for (var i = start; i < start + count; i++)
        {
            if (!SyslogParser.IsDigit(s[i]))
                return false;
            value = value * 10 + (s[i] - '0');
        }
        return true;
    }
}
