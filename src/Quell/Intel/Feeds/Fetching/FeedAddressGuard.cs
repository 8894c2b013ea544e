using System.Net;
using System.Net.Sockets;

namespace Quell.Intel.Feeds.Fetching;

/// <summary>
/// The SSRF guard of feed fetching, applied to the address a connection is about to use (after DNS, so a name that
/// resolves to an internal address is caught, and on every redirect hop). A feed URL comes from an admin but its
/// documents name further URLs (MISP events, TAXII pages), and redirects come from whoever runs the source.
/// </summary>
public static class FeedAddressGuard
{
    /// <summary>Why connecting to <paramref name="address"/> is refused, or null when it is allowed.</summary>
    public static string? Refusal(IPAddress address, bool allowPrivate)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            // Link-local holds the cloud metadata endpoint (169.254.169.254) on AWS, GCP and Azure; Alibaba's is
            // 100.100.100.200. Never reachable, whatever the options.
            if (b[0] == 169 && b[1] == 254)
                return $"{address} is a link-local address (cloud metadata services live there)";
            if (b is [100, 100, 100, 200])
                return $"{address} is a cloud metadata address";
            if (b[0] == 0 || b[0] >= 224)
                return $"{address} is not a unicast internet address";
            var isPrivate = b[0] == 10 || b[0] == 127 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168) ||
                            (b[0] == 100 && (b[1] & 0xC0) == 64);
            return isPrivate && !allowPrivate ? PrivateRefusal(address) : null;
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.IsIPv6LinkLocal || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80))
                return $"{address} is a link-local address";
            // AWS's IPv6 metadata endpoint fd00:ec2::254 sits inside the unique-local range.
            if (address.Equals(IPAddress.Parse("fd00:ec2::254")))
                return $"{address} is a cloud metadata address";
            if (address.IsIPv6Multicast || address.Equals(IPAddress.IPv6Any))
                return $"{address} is not a unicast internet address";
            var isPrivate = address.Equals(IPAddress.IPv6Loopback) || (b[0] & 0xfe) == 0xfc || address.IsIPv6SiteLocal;
            return isPrivate && !allowPrivate ? PrivateRefusal(address) : null;
        }
        return $"{address} is not an IP address";
    }

    static string PrivateRefusal(IPAddress address) =>
        $"{address} is a private or loopback address; feeds reach internal networks only when the server allows it (Feeds:AllowPrivateNetworks)";
}

/// <summary>A connection was refused by <see cref="FeedAddressGuard"/>: not retried, reported as the pull's error.</summary>
public sealed class FeedAddressRefusedException(string message) : Exception(message);
