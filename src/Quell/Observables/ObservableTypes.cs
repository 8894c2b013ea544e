using System.Net;

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
                if (IPAddress.TryParse(v.Trim('[', ']'), out var ip))
                    return ip.ToString();
                error = $"'{Shorten(v)}' is not an IP address";
                return null;
            case "domain" or "fqdn" or "hostname":
                return v.TrimEnd('.').ToLowerInvariant();
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

    static string Shorten(string v) => v.Length <= 64 ? v : v[..64] + "…";
}
