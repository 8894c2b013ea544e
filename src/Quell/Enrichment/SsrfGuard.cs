using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Quell.Enrichment;

/// <summary>
/// Keeps analyzers that fetch URLs taken from data (an observable, a service's redirect) away from the inside: every
/// connection of the guarded client resolves the host itself and connects only to addresses outside loopback, private,
/// link-local (where cloud metadata lives), shared, multicast, documentation and reserved ranges, unless an admin
/// allowed them (<c>Enrichment:Ssrf:Allow</c>, CIDRs). Checking the address actually connected to, not the name, is
/// what defeats DNS rebinding and names that point inside.
/// </summary>
public sealed class SsrfGuard
{
    static readonly (IPNetwork Net, string What)[] Forbidden =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "this-network"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "shared address space"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local, where cloud metadata endpoints live"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "IETF protocol assignments"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"),
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("100::/64"), "discard-only"),
        (IPNetwork.Parse("2001:db8::/32"), "documentation"),
        (IPNetwork.Parse("fc00::/7"), "unique local (private)"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    readonly IPNetwork[] _allowed;

    public SsrfGuard(IOptions<EnrichmentOptions> options)
    {
        _allowed = options.Value.Ssrf.Allow.Select(a => IPNetwork.TryParse(a.Trim(), out var n)
            ? n
            : throw new OptionsValidationException("Enrichment:Ssrf:Allow", typeof(EnrichmentOptions), [$"Enrichment:Ssrf:Allow: '{a}' is not a CIDR (e.g. 10.1.2.0/24 or fd00::/8)"])).ToArray();
    }

    /// <summary>Why an analyzer may not connect to <paramref name="address"/> (the range it is in); null when it may.</summary>
    public string? Refusal(IPAddress address)
    {
        if (_allowed.Any(n => n.Contains(address)))
            return null;
        // IPv4-mapped and NAT64 addresses reach the IPv4 address inside them.
        var inner = address.IsIPv4MappedToIPv6 ? address.MapToIPv4()
            : Nat64.Contains(address) ? new IPAddress(address.GetAddressBytes()[12..])
            : null;
        if (inner is not null)
            return Refusal(inner);
        foreach (var (net, what) in Forbidden)
            if (net.Contains(address))
                return what;
        return null;
    }

    /// <summary>The guarded client's connect: resolve, drop what is refused, connect to what is left (or say why nothing is).</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var (host, port) = (context.DnsEndPoint.Host, context.DnsEndPoint.Port);
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var permitted = addresses.Where(a => Refusal(a) is null).ToArray();
        if (permitted.Length == 0)
        {
            var refused = addresses.FirstOrDefault();
            throw new SsrfRefusedException(refused is null
                ? $"{host} has no address"
                : $"{host} is {refused} ({Refusal(refused)}), which analyzers may not reach; an admin can allow the range with Enrichment:Ssrf:Allow");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(permitted, port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A connection the SSRF guard refused: final for the run, its message says which address and why.</summary>
public sealed class SsrfRefusedException(string message) : IOException(message);

/// <summary>Section <c>Enrichment:Ssrf</c>.</summary>
public sealed class SsrfOptions
{
    /// <summary>Ranges (CIDR) analyzers may reach although they are inside (an internal sandbox, a test server).</summary>
    public List<string> Allow { get; set; } = [];
}
