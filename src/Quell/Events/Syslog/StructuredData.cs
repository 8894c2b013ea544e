using System.Text;

namespace Quell.Events.Syslog;

/// <summary>
/// RFC 5424 STRUCTURED-DATA: one or more <c>[SD-ID *(SP PARAM-NAME="PARAM-VALUE")]</c>. Inside a value <c>\"</c>,
/// <c>\\</c> and <c>\]</c> are escapes; any other backslash is kept as it is (§6.3.3). Each parameter becomes the field
/// <c>log.syslog.structured_data.&lt;SD-ID&gt;.&lt;PARAM-NAME&gt;</c>; a parameter repeated in an element becomes a list.
/// </summary>
internal static class StructuredData
{
    /// <summary>Reads elements from <paramref name="pos"/> (at '['). On failure <paramref name="pos"/> is where the bad element starts.</summary>
    public static bool TryParse(ReadOnlySpan<byte> s, ref int pos, FieldSet fields, out string error)
    {
        // Parameters are collected first and applied per complete element, so a broken element leaves no half of itself.
        var parsed = new List<(string Name, string Value)>();
        var complete = 0;
        var value = new StringBuilder();
        while (pos < s.Length && s[pos] == '[')
        {
            var start = pos;
            var i = pos + 1;
            var idStart = i;
            while (i < s.Length && IsNameChar(s[i]))
                i++;
            if (i == idStart)
                return Fail(ref pos, start, "invalid STRUCTURED-DATA: SD-ID missing at " + SyslogParser.Quote(s[start..]), out error);
            var id = Encoding.UTF8.GetString(s[idStart..i]);
            while (i < s.Length && s[i] == ' ')
            {
                i++;
                var nameStart = i;
                while (i < s.Length && IsNameChar(s[i]))
                    i++;
                if (i == nameStart || i + 1 >= s.Length || s[i] != '=' || s[i + 1] != '"')
                    return Fail(ref pos, start, "invalid STRUCTURED-DATA in [" + id + "]: expected PARAM-NAME=\"value\"", out error);
                var name = Encoding.UTF8.GetString(s[nameStart..i]);
                i += 2;
                value.Clear();
                var closed = false;
                var runStart = i;
                while (i < s.Length)
                {
                    var b = s[i];
                    if (b == '"')
                    {
                        closed = true;
                        break;
                    }
                    if (b == '\\' && i + 1 < s.Length && s[i + 1] is (byte)'"' or (byte)'\\' or (byte)']')
                    {
                        value.Append(Encoding.UTF8.GetString(s[runStart..i])).Append((char)s[i + 1]);
                        i += 2;
                        runStart = i;
                        continue;
                    }
                    i++;
                }
                if (!closed)
                    return Fail(ref pos, start, "invalid STRUCTURED-DATA in [" + id + "]: value of " + name + " has no closing quote", out error);
                value.Append(Encoding.UTF8.GetString(s[runStart..i]));
                i++;
                parsed.Add((SyslogFields.StructuredData + id + "." + name, value.ToString()));
            }
            if (i >= s.Length || s[i] != ']')
                return Fail(ref pos, start, "invalid STRUCTURED-DATA in [" + id + "]: expected ']'", out error);
            pos = i + 1;
            // An element without parameters (e.g. [origin]) carries no value to keep.
            complete = parsed.Count;
        }
        Apply(parsed, complete, fields);
        error = "";
        return true;

        bool Fail(ref int pos, int start, string message, out string error)
        {
            // Complete elements before the broken one are kept; the broken one stays in the message text.
            Apply(parsed, complete, fields);
            pos = start;
            error = message;
            return false;
        }
    }

    static void Apply(List<(string Name, string Value)> parsed, int count, FieldSet fields)
    {
        for (var k = 0; k < count; k++)
            fields.Add(parsed[k].Name, parsed[k].Value);
    }

    /// <summary>SD-NAME: printable US-ASCII except '=', SP, ']' and '"'.</summary>
    static bool IsNameChar(byte b) => b is > 32 and < 127 and not (byte)'=' and not (byte)']' and not (byte)'"';
}
