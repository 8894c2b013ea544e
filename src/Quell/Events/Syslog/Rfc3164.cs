using System.Globalization;
using System.Text;

namespace Quell.Events.Syslog;

/// <summary>
/// BSD syslog (RFC 3164) after the PRI: <c>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG</c>, as real senders write it: an
/// RFC 3339 timestamp instead of the BSD one (rsyslog's high-precision template), no HOSTNAME (local senders such as
/// <c>su: ...</c>), no TAG. Without a recognisable timestamp the whole rest is the message (§4.3.3: a relay would add
/// its own header).
/// </summary>
internal static class Rfc3164
{
    const int MaxTagLength = 48;

    public static DateTimeOffset? Parse(ReadOnlySpan<byte> s, bool hadPriority, DateTimeOffset receivedAt, TimeZoneInfo zone, FieldSet fields, out string message)
    {
        DateTimeOffset? timestamp = null;
        var pos = Timestamps.ReadBsd(s, out var month, out var day, out var time);
        if (pos > 0)
        {
            timestamp = Timestamps.ResolveBsd(month, day, time, receivedAt, zone);
            if (timestamp is null)
                fields.Error("invalid TIMESTAMP " + SyslogParser.Quote(s[..pos]) + ": the day does not exist in this or the adjacent years");
        }
        else
        {
            var end = s.IndexOf((byte)' ');
            if (end >= 20 && Timestamps.ParseRfc3339(s[..end]) is { } iso)
            {
                timestamp = iso;
                pos = end;
            }
        }
        fields.Set(SyslogFields.Format, pos > 0 || hadPriority ? "rfc3164" : "none");
        if (pos == 0 || pos >= s.Length || s[pos] != ' ')
        {
            // No header (or nothing after it): the message is everything after the PRI (and after a lone timestamp).
            message = Encoding.UTF8.GetString(pos < s.Length ? s[pos..].TrimStart((byte)' ') : []);
            return timestamp;
        }
        pos++;

        var rest = s[pos..];
        if (Cef.StartsWithCef(rest))
        {
            message = Encoding.UTF8.GetString(rest);
            return timestamp;
        }
        var first = rest.IndexOf((byte)' ');
        var token = first < 0 ? rest : rest[..first];
        if (!LooksLikeTag(token) && first > 0)
        {
            var host = Encoding.UTF8.GetString(token);
            fields.Set(SyslogFields.HostHostname, host);
            fields.Set(SyslogFields.SyslogHostname, host);
            pos += first + 1;
        }
        if (!Cef.StartsWithCef(s[pos..]))
            pos = ReadTag(s, pos, fields);
        message = Encoding.UTF8.GetString(s[pos..]);
        return timestamp;
    }

    /// <summary>A first token that ends in ':' or holds "[pid]" is a TAG: the sender left the HOSTNAME out.</summary>
    static bool LooksLikeTag(ReadOnlySpan<byte> token) =>
        token.Length > 1 && (token[^1] == ':' || (token.IndexOf((byte)'[') > 0 && token.EndsWith("]:"u8)));

    /// <summary>TAG up to ':' or '[' (with "[PID]"), then ':' and a space. Anything else is not a TAG and stays in the message.</summary>
    static int ReadTag(ReadOnlySpan<byte> s, int pos, FieldSet fields)
    {
        var i = pos;
        while (i < s.Length && i - pos <= MaxTagLength && s[i] is not ((byte)':' or (byte)'[' or (byte)' '))
            i++;
        if (i == pos || i >= s.Length || i - pos > MaxTagLength || s[i] == ' ')
            return pos;
        var tag = s[pos..i];
        ReadOnlySpan<byte> pid = default;
        if (s[i] == '[')
        {
            var close = s[i..].IndexOf((byte)']');
            if (close < 0)
                return pos;
            pid = s[(i + 1)..(i + close)];
            i += close + 1;
            // "tag[pid] msg" without the colon exists in the wild (some network gear); "tag[pid]: msg" is the norm.
            if (i < s.Length && s[i] == ':')
                i++;
        }
        else
        {
            i++;
        }
        if (i < s.Length && s[i] == ' ')
            i++;
        var name = Encoding.UTF8.GetString(tag);
        fields.Set(SyslogFields.ProcessName, name);
        fields.Set(SyslogFields.AppName, name);
        if (pid.Length > 0)
        {
            var procId = Encoding.UTF8.GetString(pid);
            fields.Set(SyslogFields.ProcId, procId);
            if (long.TryParse(procId, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                fields.Set(SyslogFields.ProcessPid, number);
        }
        return i;
    }
}
