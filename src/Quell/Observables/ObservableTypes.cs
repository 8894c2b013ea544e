using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Quell.Observables;

/// <summary>
/// The observable data types (TheHive's list plus DESIGN.md's names). TheHive spellings such as
/// <c>mail_subject</c> are accepted and stored under the canonical name so integrations port unchanged.
/// </summary>
public static class ObservableTypes
{
    public static readonly IReadOnlyList<string> All =
    [
        "ip", "domain", "fqdn", "url", "mail", "mail-subject", "hash", "filename", "file", "hostname",
        "user-agent", "registry", "autonomous-system", "uri-path", "regexp", "other",
    ];

    static readonly HashSet<string> Known = new(All, StringComparer.Ordinal);

    public static string AllowedList => string.Join(", ", All);

    /// <summary>Returns the canonical type name, or null when the type is unknown.</summary>
    public static string? Canonical(string dataType)
    {
        var t = dataType.Trim().ToLowerInvariant().Replace('_', '-');
        return Known.Contains(t) ? t : null;
    }

    /// <summary>
    /// The value under which an observable is stored and deduplicated: trimmed, lower-cased where the type is
    /// case-insensitive, IP addresses in canonical form. Returns an error message when the value cannot be of that type.
    /// </summary>
    public static string? Normalize(string type, string data, out string? error)
    {
        error = null;
        var v = data.Trim();
        if (v.Length == 0)
        {
            error = "data must not be empty";
            return null;
        }
        switch (type)
        {
            case "ip":
                return NormalizeIp(v, out error);
            case "domain" or "fqdn" or "hostname":
                var name = v.TrimEnd('.').ToLowerInvariant();
                if (name.Length > 0)
                    return name;
                error = $"'{Shorten(v)}' is not a {type}";
                return null;
            case "hash":
                if (v.All(Uri.IsHexDigit))
                    return v.ToLowerInvariant();
                error = $"'{Shorten(v)}' is not a hexadecimal hash";
                return null;
            case "mail":
                return v.ToLowerInvariant();
            default:
                return v;
        }
    }

    /// <summary>
    /// The stored forms a searched value may have: as typed (trimmed) and normalized under every type that accepts it,
    /// so a search for "Evil.Example." or an uncompressed IPv6 address finds what was stored as "evil.example" or "2001:db8::1".
    /// </summary>
    public static string[] SearchForms(string value)
    {
        var forms = new HashSet<string>(StringComparer.Ordinal) { value.Trim() };
        foreach (var type in All)
            if (Normalize(type, value, out _) is { } normalized)
                forms.Add(normalized);
        return forms.ToArray();
    }

    /// <summary>
    /// IPv4 only as four decimal parts, IPv6 in RFC 5952 form (a zone index kept as written). IPAddress.TryParse alone
    /// would accept inet_aton's forms — "1" as 0.0.0.1, "127.1", hex parts, and leading zeros read as octal
    /// ("010.0.0.1" as 8.0.0.1) — silently turning what a log said into another address.
    /// </summary>
    static string? NormalizeIp(string v, out string? error)
    {
        error = null;
        var text = v.Length > 2 && v[0] == '[' && v[^1] == ']' ? v[1..^1] : v;
        if (text.Contains(':'))
        {
            var percent = text.IndexOf('%');
            var zone = percent >= 0 ? text[percent..] : "";
            if (zone != "%" && IPAddress.TryParse(text[..(text.Length - zone.Length)], out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6)
                return v6.ToString() + zone;
        }
        else
        {
            var parts = text.Split('.');
            if (parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit) && int.Parse(p, CultureInfo.InvariantCulture) <= 255))
            {
                if (parts.Any(p => p.Length > 1 && p[0] == '0'))
                {
                    error = $"'{Shorten(v)}' has a leading zero, which some tools read as octal; write the address without leading zeros";
                    return null;
                }
                return text;
            }
        }
        error = $"'{Shorten(v)}' is not an IP address";
        return null;
    }

    static string Shorten(string v) => v.Length <= 64 ? v : v[..64] + "…";
}
