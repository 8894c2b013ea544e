using System.Text;

namespace Quell.Events.Syslog;

/// <summary>
/// RFC 5424 after the PRI: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG].
/// Lenient where senders commonly stray (field lengths are not enforced), strict where a wrong guess would mislabel data.
/// </summary>
internal static class Rfc5424
{
    static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>A version (1–3 digits, not starting with 0) followed by a space: what tells RFC 5424 from BSD syslog.</summary>
    public static bool HasVersion(ReadOnlySpan<byte> s)
    {
        var i = 0;
        while (i < s.Length && i < 3 && SyslogParser.IsDigit(s[i]))
            i++;
        return i > 0 && s[0] != '0' && i < s.Length && s[i] == ' ';
    }

    public static DateTimeOffset? Parse(ReadOnlySpan<byte> s, FieldSet fields, out string message)
    {
        var pos = 0;
        var version = Token(s, ref pos);
        fields.Set(SyslogFields.Version, long.Parse(version, provider: System.Globalization.CultureInfo.InvariantCulture));

        DateTimeOffset? timestamp = null;
        message = "";
        if (!Next(s, ref pos, fields, "TIMESTAMP", out var ts))
            return null;
        if (!ts.SequenceEqual("-"u8))
        {
            timestamp = Timestamps.ParseRfc3339(ts);
            if (timestamp is null)
                fields.Error("invalid TIMESTAMP " + SyslogParser.Quote(ts) + ": expected RFC 3339 like 2003-10-11T22:14:15.003Z");
        }
        if (!Next(s, ref pos, fields, "HOSTNAME", out var host))
            return timestamp;
        if (Value(host) is { } hostname)
        {
            fields.Set(SyslogFields.HostHostname, hostname);
            fields.Set(SyslogFields.SyslogHostname, hostname);
        }
        if (!Next(s, ref pos, fields, "APP-NAME", out var app))
            return timestamp;
        if (Value(app) is { } appName)
        {
            fields.Set(SyslogFields.ProcessName, appName);
            fields.Set(SyslogFields.AppName, appName);
        }
        if (!Next(s, ref pos, fields, "PROCID", out var procId))
            return timestamp;
        if (Value(procId) is { } procIdText)
        {
            fields.Set(SyslogFields.ProcId, procIdText);
            if (long.TryParse(procIdText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid))
                fields.Set(SyslogFields.ProcessPid, pid);
        }
        if (!Next(s, ref pos, fields, "MSGID", out var msgId))
            return timestamp;
        if (Value(msgId) is { } msgIdText)
            fields.Set(SyslogFields.MsgId, msgIdText);
        if (pos + 1 >= s.Length || s[pos] != ' ')
        {
            fields.Error("header ends before STRUCTURED-DATA");
            return timestamp;
        }
        pos++;

        if (s[pos] == '-')
        {
            pos++;
        }
        else if (s[pos] == '[')
        {
            if (!StructuredData.TryParse(s, ref pos, fields, out var error))
            {
                // The rest is kept as the message: better shown as text than lost.
                fields.Error(error);
                message = Encoding.UTF8.GetString(s[pos..]);
                return timestamp;
            }
        }
        else
        {
            fields.Error("invalid STRUCTURED-DATA: expected '-' or '[' at " + SyslogParser.Quote(s[pos..]));
            message = Encoding.UTF8.GetString(s[pos..]);
            return timestamp;
        }

        if (pos < s.Length)
        {
            if (s[pos] == ' ')
                pos++;
            else
                fields.Error("expected a space between STRUCTURED-DATA and MSG");
        }
        var msg = s[pos..];
        if (msg.StartsWith(Bom))
            msg = msg[3..];
        message = Encoding.UTF8.GetString(msg);
        return timestamp;
    }

    static ReadOnlySpan<byte> Token(ReadOnlySpan<byte> s, ref int pos)
    {
        var rest = s[pos..];
        var end = rest.IndexOf((byte)' ');
        if (end < 0)
            end = rest.Length;
        pos += end;
        return rest[..end];
    }

    /// <summary>Moves past the space before the next header field and reads it; false (with an error) if the message ends first.</summary>
    static bool Next(ReadOnlySpan<byte> s, ref int pos, FieldSet fields, string name, out ReadOnlySpan<byte> token)
    {
        if (pos >= s.Length || s[pos] != ' ' || pos + 1 >= s.Length)
        {
            fields.Error("header ends before " + name);
            token = default;
            return false;
        }
        pos++;
        token = Token(s, ref pos);
        if (token.Length == 0)
        {
            fields.Error("empty " + name + ": fields are separated by one space and '-' stands for none");
            return false;
        }
        return true;
    }

    static string? Value(ReadOnlySpan<byte> token) => token.SequenceEqual("-"u8) ? null : Encoding.UTF8.GetString(token);
}
