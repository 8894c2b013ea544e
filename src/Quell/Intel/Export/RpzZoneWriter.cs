using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Quell.Intel.Export;

/// <summary>
/// Writes a DNS Response Policy Zone (RPZ, draft-vixie-dnsop-dns-rpz) for BIND, Unbound, Knot and PowerDNS: an SOA and
/// NS header, then for every domain <c>evil.example CNAME .</c> and <c>*.evil.example CNAME .</c> (NXDOMAIN for the
/// name and its subdomains, as the matcher treats a listed domain). With <c>includeIps</c>, addresses and CIDR blocks
/// become <c>rpz-ip</c> triggers (answers that resolve into them are blocked). Owner names are relative to the zone.
/// </summary>
public static class RpzZoneWriter
{
    public static void Write(Stream output, IEnumerable<ExportIndicator> indicators, DateTimeOffset now, bool includeIps = false, int ttl = 300)
    {
        var list = indicators as IReadOnlyCollection<ExportIndicator> ?? [.. indicators];
        WriteZone(output, BlocklistWriter.Values(list, BlocklistKind.Domain), includeIps ? BlocklistWriter.Values(list, BlocklistKind.Ip) : [], now, ttl);
    }

    /// <summary>The zone for <paramref name="domains"/> and <paramref name="ips"/> (blocklist values, in the order given).</summary>
    public static void WriteZone(Stream output, IEnumerable<string> domains, IEnumerable<string> ips, DateTimeOffset now, int ttl = 300)
    {
        var sb = new StringBuilder();
        // The serial must grow on every export so secondaries transfer the zone: seconds since 1970 fit the 32-bit field until 2106.
        var serial = ((uint)now.ToUnixTimeSeconds()).ToString(CultureInfo.InvariantCulture);
        sb.Append("$TTL ").Append(ttl.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("@ IN SOA localhost. hostmaster.localhost. ").Append(serial).Append(" 3600 600 604800 ").Append(ttl.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("@ IN NS localhost.\n");
        foreach (var domain in domains)
        {
            var name = Escape(domain);
            sb.Append(name).Append(" CNAME .\n");
            sb.Append("*.").Append(name).Append(" CNAME .\n");
        }
        foreach (var ip in ips)
            if (RpzIp(ip) is { } owner)
                sb.Append(owner).Append(" CNAME .\n");
        output.Write(Encoding.ASCII.GetBytes(sb.ToString()));
    }

    /// <summary>
    /// A name in master-file syntax (RFC 1035 §5.1): labels keep letters, digits, '-' and '_'; anything else
    /// (a '.' inside a label cannot occur after splitting, but ';', '(', '"', spaces, non-ASCII can) becomes \DDD.
    /// </summary>
    public static string Escape(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var label in name.Split('.'))
        {
            if (sb.Length > 0)
                sb.Append('.');
            foreach (var b in Encoding.UTF8.GetBytes(label))
            {
                var c = (char)b;
                if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
                    sb.Append(c);
                else
                    sb.Append('\\').Append(b.ToString("D3", CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// The rpz-ip owner of an address or block: prefix length, then the address reversed (IPv4 octets; IPv6 16-bit
    /// groups in hex, the longest run of zero groups written "zz"), then "rpz-ip". 192.0.2.0/24 → 24.0.2.0.192.rpz-ip.
    /// </summary>
    public static string? RpzIp(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(slash < 0 ? value : value[..slash], out var address))
            return null;
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = bits;
        if (slash >= 0 && !int.TryParse(value[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix))
            return null;
        var bytes = address.GetAddressBytes();
        string body;
        if (bits == 32)
            body = string.Join('.', bytes.Reverse().Select(b => b.ToString(CultureInfo.InvariantCulture)));
        else
        {
            var groups = Enumerable.Range(0, 8).Select(g => (bytes[2 * g] << 8) | bytes[2 * g + 1]).ToArray();
            int bestStart = -1, bestLength = 0;
            for (var i = 0; i < 8;)
            {
                if (groups[i] != 0)
                {
                    i++;
                    continue;
                }
                var j = i;
                while (j < 8 && groups[j] == 0)
                    j++;
                if (j - i > bestLength && j - i > 1)
                    (bestStart, bestLength) = (i, j - i);
                i = j;
            }
            var labels = new List<string>();
            for (var i = 0; i < 8; i++)
            {
                if (i == bestStart)
                {
                    labels.Add("zz");
                    i += bestLength - 1;
                    continue;
                }
                labels.Add(groups[i].ToString("x", CultureInfo.InvariantCulture));
            }
            labels.Reverse();
            body = string.Join('.', labels);
        }
        return prefix.ToString(CultureInfo.InvariantCulture) + "." + body + ".rpz-ip";
    }
}
