using System.Globalization;
using System.Text;

namespace Quell.Http;

/// <summary>
/// Keyset pagination cursor: the sort key values of the last row of a page, opaque to clients. Keyset pages cost the
/// same at page 1 and page 1,000, unlike OFFSET which re-reads every skipped row.
/// </summary>
public static class Cursor
{
    public static string Encode(params long[] keys) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(string.Join(',', keys.Select(k => k.ToString(CultureInfo.InvariantCulture)))))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string? cursor, int expected, out long[] keys)
    {
        keys = [];
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 200)
            return false;
        try
        {
            var b64 = cursor.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(b64)).Split(',');
            if (parts.Length != expected)
                return false;
            keys = new long[parts.Length];
            for (var i = 0; i < parts.Length; i++)
                if (!long.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out keys[i]))
                    return false;
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
