using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Quell.Observables;

namespace Quell.Intel.Flagging;

/// <summary>
/// The observable values a new indicator is looked up by when it is flagged backwards onto observables already stored:
/// the exact values an observable matching it would have been stored as. The observable tables are indexed by value
/// (SQLite) or by its md5 (PostgreSQL), equality only, so subdomains of a listed domain, URLs on a listed host and
/// addresses inside a large block cannot be found this way; they are flagged as they arrive. Small blocks (up to
/// <see cref="MaxBlockAddresses"/> addresses) are looked up address by address.
/// </summary>
public static class StoredForms
{
    /// <summary>Blocks up to this size (IPv4 /24, IPv6 /120) are looked up by each of their addresses.</summary>
    public const int MaxBlockAddresses = 256;

    public static IReadOnlyList<string> Of(string type, string value)
    {
        var forms = new HashSet<string>(StringComparer.Ordinal);
        if (IndicatorTypes.Parts(type) is { } parts)
        {
            var bar = parts[0] == "filename" ? value.LastIndexOf('|') : value.IndexOf('|', StringComparison.Ordinal);
            if (bar < 0)
                return [];
            // Ports and registry values alone say nothing, as in the matcher.
            if (parts[0] is not ("port" or "text"))
                Single(parts[0], value[..bar], forms);
            if (parts[1] is not ("port" or "text"))
                Single(parts[1], value[(bar + 1)..], forms);
        }
        else
            Single(type, value, forms);
        return forms.ToList();
    }

    static void Single(string type, string value, HashSet<string> forms)
    {
        forms.Add(value);
        switch (IndicatorTypes.KindOf(type))
        {
            case IndicatorKind.Ip:
                AddBlock(value, forms);
                break;
            case IndicatorKind.Url:
                // The normalizer gives an empty path as "/"; an observable keeps the URL as it was sent.
                var start = value.IndexOf("://", StringComparison.Ordinal);
                if (start > 0 && value.EndsWith('/') && value.IndexOf('/', start + 3) == value.Length - 1)
                    forms.Add(value[..^1]);
                break;
        }
        // Observables are stored under their own type's normalization (lower-case names and hashes, RFC 5952 IPv6).
        foreach (var form in forms.ToList())
            foreach (var observableForm in ObservableTypes.SearchForms(form))
                forms.Add(observableForm);
    }

    static void AddBlock(string value, HashSet<string> forms)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(value[..slash], out var network)
            || !int.TryParse(value[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix))
            return;
        var bits = network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefix > bits || bits - prefix > 8)
            return;
        var bytes = network.GetAddressBytes();
        var count = 1 << (bits - prefix);
        for (var i = 0; i < count; i++)
        {
            // The block is at most 256 addresses, so only the last byte varies.
            var address = (byte[])bytes.Clone();
            address[^1] = (byte)(bytes[^1] | i);
            forms.Add(new IPAddress(address).ToString());
        }
    }
}
