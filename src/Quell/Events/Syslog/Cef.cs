using System.Globalization;
using System.Net;
using System.Text;

namespace Quell.Events.Syslog;

/// <summary>
/// ArcSight Common Event Format in a syslog message: <c>CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|Extension</c>.
/// In the header <c>\|</c> and <c>\\</c> are escapes; the extension is <c>key=value</c> pairs separated by spaces, where a
/// value may hold spaces and <c>\=</c>, <c>\\</c>, <c>\n</c>, <c>\r</c> are escapes. Every original is kept as
/// <c>cef.*</c>; well-known keys are also mapped to ECS names (the table below, after Elastic's CEF module).
/// </summary>
internal static class Cef
{
    enum Kind { Text, Lower, Ip, Number, Host, User, Message, Time }

    /// <summary>CEF key (short or long form) → ECS field and how its value is read.</summary>
    static readonly Dictionary<string, (string Field, Kind Kind)> Mapping = new(StringComparer.Ordinal)
    {
        ["src"] = ("source.ip", Kind.Ip),
        ["sourceAddress"] = ("source.ip", Kind.Ip),
        ["dst"] = ("destination.ip", Kind.Ip),
        ["destinationAddress"] = ("destination.ip", Kind.Ip),
        ["spt"] = ("source.port", Kind.Number),
        ["sourcePort"] = ("source.port", Kind.Number),
        ["dpt"] = ("destination.port", Kind.Number),
        ["destinationPort"] = ("destination.port", Kind.Number),
        ["suser"] = ("source.user.name", Kind.User),
        ["sourceUserName"] = ("source.user.name", Kind.User),
        ["duser"] = ("destination.user.name", Kind.User),
        ["destinationUserName"] = ("destination.user.name", Kind.User),
        ["shost"] = ("source.domain", Kind.Host),
        ["sourceHostName"] = ("source.domain", Kind.Host),
        ["dhost"] = ("destination.domain", Kind.Host),
        ["destinationHostName"] = ("destination.domain", Kind.Host),
        ["smac"] = ("source.mac", Kind.Text),
        ["dmac"] = ("destination.mac", Kind.Text),
        ["sntdaddr"] = ("source.nat.ip", Kind.Ip),
        ["dntdaddr"] = ("destination.nat.ip", Kind.Ip),
        ["sntdport"] = ("source.nat.port", Kind.Number),
        ["dntdport"] = ("destination.nat.port", Kind.Number),
        ["sproc"] = ("source.process.name", Kind.Text),
        ["dproc"] = ("destination.process.name", Kind.Text),
        ["spid"] = ("source.process.pid", Kind.Number),
        ["dpid"] = ("destination.process.pid", Kind.Number),
        ["proto"] = ("network.transport", Kind.Lower),
        ["transportProtocol"] = ("network.transport", Kind.Lower),
        ["app"] = ("network.protocol", Kind.Lower),
        ["applicationProtocol"] = ("network.protocol", Kind.Lower),
        ["in"] = ("source.bytes", Kind.Number),
        ["bytesIn"] = ("source.bytes", Kind.Number),
        ["out"] = ("destination.bytes", Kind.Number),
        ["bytesOut"] = ("destination.bytes", Kind.Number),
        ["act"] = ("event.action", Kind.Text),
        ["deviceAction"] = ("event.action", Kind.Text),
        ["outcome"] = ("event.outcome", Kind.Lower),
        ["reason"] = ("event.reason", Kind.Text),
        ["request"] = ("url.original", Kind.Text),
        ["requestUrl"] = ("url.original", Kind.Text),
        ["requestMethod"] = ("http.request.method", Kind.Text),
        ["requestClientApplication"] = ("user_agent.original", Kind.Text),
        ["fname"] = ("file.name", Kind.Text),
        ["fileName"] = ("file.name", Kind.Text),
        ["filePath"] = ("file.path", Kind.Text),
        ["fsize"] = ("file.size", Kind.Number),
        ["fileSize"] = ("file.size", Kind.Number),
        ["dvc"] = ("observer.ip", Kind.Ip),
        ["deviceAddress"] = ("observer.ip", Kind.Ip),
        ["dvchost"] = ("observer.hostname", Kind.Host),
        ["deviceHostName"] = ("observer.hostname", Kind.Host),
        ["msg"] = ("message", Kind.Message),
        ["message"] = ("message", Kind.Message),
        ["rt"] = ("@timestamp", Kind.Time),
        ["deviceReceiptTime"] = ("@timestamp", Kind.Time),
        ["start"] = ("event.start", Kind.Time),
        ["startTime"] = ("event.start", Kind.Time),
        ["end"] = ("event.end", Kind.Time),
        ["endTime"] = ("event.end", Kind.Time),
    };

    static readonly string[] HeaderNames =
        ["cef.version", "cef.device.vendor", "cef.device.product", "cef.device.version", "cef.device.event_class_id", "cef.name", "cef.severity"];

    static readonly string[] TimeFormats =
    [
        "MMM dd yyyy HH:mm:ss", "MMM d yyyy HH:mm:ss", "MMM dd yyyy HH:mm:ss.fff", "MMM d yyyy HH:mm:ss.fff",
        "MMM dd yyyy HH:mm:ss zzz", "MMM dd yyyy HH:mm:ss.fff zzz",
    ];

    public static bool StartsWithCef(ReadOnlySpan<byte> s) => s.StartsWith("CEF:"u8);

    public static bool IsCef(string text) => text.StartsWith("CEF:", StringComparison.Ordinal);

    /// <summary>Fills the CEF fields; returns the event's time if <c>rt</c> gives one.</summary>
    public static DateTimeOffset? Parse(string text, FieldSet fields)
    {
        var header = new string[7];
        var b = new StringBuilder();
        var pos = 4;
        for (var n = 0; n < 7; n++)
        {
            b.Clear();
            var closed = false;
            while (pos < text.Length)
            {
                var c = text[pos];
                if (c == '\\' && pos + 1 < text.Length && text[pos + 1] is '|' or '\\')
                {
                    b.Append(text[pos + 1]);
                    pos += 2;
                    continue;
                }
                pos++;
                if (c == '|')
                {
                    closed = true;
                    break;
                }
                b.Append(c);
            }
            if (!closed)
            {
                fields.Error($"invalid CEF: the header has {n + 1} of its 8 '|'-separated fields");
                fields.Set(SyslogFields.Message, text);
                return null;
            }
            header[n] = b.ToString();
        }
        for (var n = 0; n < 7; n++)
            fields.Set(HeaderNames[n], header[n]);
        fields.Set("observer.vendor", header[1]);
        fields.Set("observer.product", header[2]);
        fields.Set("observer.version", header[3]);
        fields.Set("event.code", header[4]);
        if (long.TryParse(header[6], NumberStyles.None, CultureInfo.InvariantCulture, out var severity))
            fields.Set("event.severity", severity);

        DateTimeOffset? time = null;
        string? message = null;
        foreach (var (key, value) in Extension(text.AsSpan(pos)))
        {
            fields.Add("cef.extensions." + key, value);
            if (!Mapping.TryGetValue(key, out var map))
                continue;
            switch (map.Kind)
            {
                case Kind.Ip:
                    if (IPAddress.TryParse(value, out var ip))
                    {
                        var normal = ip.ToString();
                        fields.Set(map.Field, normal);
                        fields.RelatedIp(normal);
                    }
                    else
                    {
                        fields.Error($"CEF {key} is not an IP address");
                    }
                    break;
                case Kind.Number:
                    if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                        fields.Set(map.Field, number);
                    else
                        fields.Error($"CEF {key} is not a number");
                    break;
                case Kind.Host:
                    fields.Set(map.Field, value);
                    fields.RelatedHost(value);
                    break;
                case Kind.User:
                    fields.Set(map.Field, value);
                    fields.RelatedUser(value);
                    break;
                case Kind.Lower:
                    fields.Set(map.Field, value.ToLowerInvariant());
                    break;
                case Kind.Message:
                    message = value;
                    break;
                case Kind.Time:
                    if (ParseTime(value) is { } t)
                    {
                        if (map.Field == "@timestamp")
                            time = t;
                        else
                            fields.Set(map.Field, t.ToString("O", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        fields.Error($"CEF {key} is not a time (epoch milliseconds or 'MMM dd yyyy HH:mm:ss')");
                    }
                    break;
                default:
                    fields.Set(map.Field, value);
                    break;
            }
        }
        // ECS user.name: the acting user is the source's when given, else the destination's (a login's target account).
        if (fields.Fields.TryGetValue("source.user.name", out var user) || fields.Fields.TryGetValue("destination.user.name", out user))
            fields.Set("user.name", user);
        fields.Set(SyslogFields.Message, message ?? header[5]);
        return time;
    }

    /// <summary>
    /// The extension's pairs in order. A key is a run of name characters after a space (or at the start) followed by an
    /// unescaped '='; any other '=' (an unescaped one inside a URL, as many devices send) belongs to the value before it.
    /// </summary>
    internal static List<(string Key, string Value)> Extension(ReadOnlySpan<char> s)
    {
        var pairs = new List<(string, string)>();
        string? key = null;
        var valueStart = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\')
            {
                i++;
                continue;
            }
            if (s[i] != '=')
                continue;
            var k = i;
            while (k > 0 && IsKeyChar(s[k - 1]))
                k--;
            if (k == i || (k > 0 && s[k - 1] != ' '))
                continue;
            if (key is not null)
                pairs.Add((key, Unescape(s[valueStart..k].TrimEnd(' '))));
            key = s[k..i].ToString();
            valueStart = i + 1;
        }
        if (key is not null)
            pairs.Add((key, Unescape(s[valueStart..].TrimEnd(' '))));
        return pairs;
    }

    static bool IsKeyChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '[' or ']';

    static string Unescape(ReadOnlySpan<char> s)
    {
        if (s.IndexOf('\\') < 0)
            return s.ToString();
        var b = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                var next = s[i + 1];
                switch (next)
                {
                    case '\\' or '=' or '|':
                        b.Append(next);
                        i++;
                        continue;
                    case 'n':
                        b.Append('\n');
                        i++;
                        continue;
                    case 'r':
                        b.Append('\r');
                        i++;
                        continue;
                }
            }
            b.Append(s[i]);
        }
        return b.ToString();
    }

    static DateTimeOffset? ParseTime(string value)
    {
        if (value.Length is > 0 and <= 15 && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms <= 253_402_300_799_999)
            return DateTimeOffset.FromUnixTimeMilliseconds(ms);
        var text = value.EndsWith(" UTC", StringComparison.Ordinal) || value.EndsWith(" GMT", StringComparison.Ordinal) ? value[..^4] : value;
        if (DateTimeOffset.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowInnerWhite, out var t))
            return t;
        return Timestamps.ParseRfc3339(Encoding.UTF8.GetBytes(value));
    }
}
