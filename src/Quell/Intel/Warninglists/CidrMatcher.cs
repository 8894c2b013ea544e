using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Quell.Intel.Warninglists;

/// <summary>
/// MISP "cidr" lists: an address, or a whole block, inside a listed block; IPv4 and IPv6 (an IPv4-mapped IPv6 address
/// is checked as IPv4). One hash table per prefix length present, so a check is at most one probe per distinct length
/// (a list of 60,000 resolvers is nearly all /32: one or two probes), whatever the list size.
/// </summary>
public sealed class CidrMatcher : IListMatcher
{
    readonly Dictionary<uint, ListMatch>?[] _v4 = new Dictionary<uint, ListMatch>?[33];
    readonly Dictionary<UInt128, ListMatch>?[] _v6 = new Dictionary<UInt128, ListMatch>?[129];
    readonly int[] _v4Lengths;
    readonly int[] _v6Lengths;

    CidrMatcher(List<(bool V6, UInt128 Network, int Prefix, ListMatch Match)> blocks)
    {
        foreach (var (v6, network, prefix, match) in blocks)
        {
            if (v6)
                (_v6[prefix] ??= []).TryAdd(network, match);
            else
                (_v4[prefix] ??= []).TryAdd((uint)network, match);
        }
        // Longest prefix first: the most specific entry is the one reported.
        _v4Lengths = Enumerable.Range(0, 33).Where(l => _v4[l] is not null).OrderDescending().ToArray();
        _v6Lengths = Enumerable.Range(0, 129).Where(l => _v6[l] is not null).OrderDescending().ToArray();
        Count = blocks.Count;
    }

    public int Count { get; }

    /// <summary>The matcher, or null with the first entry that is not an address or block.</summary>
    public static CidrMatcher? Create(IEnumerable<(string Entry, string? Reason)> entries, out string? error)
    {
        error = null;
        var blocks = new List<(bool, UInt128, int, ListMatch)>();
        var index = 0;
        foreach (var (entry, reason) in entries)
        {
            var e = entry.Trim();
            if (e.Length > 0)
            {
                if (!TryParse(e, out var v6, out var network, out var prefix))
                {
                    error = $"entry {index} '{IndicatorNormalizer.Printable(e)}' is not an IPv4 or IPv6 address or CIDR block";
                    return null;
                }
                blocks.Add((v6, network, prefix, new ListMatch(e, reason)));
            }
            index++;
        }
        return new CidrMatcher(blocks);
    }

    public ListMatch? Match(string type, string value)
    {
        var text = IndicatorTypes.KindOf(type) == IndicatorKind.Url ? HostnameMatcher.HostOf(type, value).ToString() : value;
        if (!TryParse(text, out var v6, out var network, out var prefix))
            return null;
        if (v6)
        {
            foreach (var length in _v6Lengths)
                if (length <= prefix && _v6[length]!.TryGetValue(Mask(network, length, 128), out var m))
                    return m;
        }
        else
        {
            foreach (var length in _v4Lengths)
                if (length <= prefix && _v4[length]!.TryGetValue((uint)Mask(network, length, 32), out var m))
                    return m;
        }
        return null;
    }

    /// <summary>An address (a block of one) or a block, reduced to its network; IPv4-mapped IPv6 becomes IPv4.</summary>
    public static bool TryParse(string text, out bool v6, out UInt128 network, out int prefix)
    {
        v6 = false;
        network = 0;
        prefix = 0;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (!IndicatorNormalizer.TryParseAddress(slash < 0 ? text : text[..slash], out var address))
            return false;
        var bits = 32;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            bits = 128;
            if (address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
                bits = 32;
            }
        }
        prefix = bits;
        if (slash >= 0)
        {
            if (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > 128)
                return false;
            // A mapped block (::ffff:10.0.0.0/104) counts its prefix over 128 bits.
            if (bits == 32 && text.Contains(':', StringComparison.Ordinal))
                prefix -= 96;
            if (prefix < 0 || prefix > bits)
                return false;
        }
        v6 = bits == 128;
        var bytes = address.GetAddressBytes();
        network = v6 ? BinaryPrimitives.ReadUInt128BigEndian(bytes) : BinaryPrimitives.ReadUInt32BigEndian(bytes);
        network = Mask(network, prefix, bits);
        return true;
    }

    static UInt128 Mask(UInt128 value, int prefix, int bits) =>
        prefix == 0 ? 0 : value & ((UInt128.MaxValue << (bits - prefix)) & (bits == 32 ? uint.MaxValue : UInt128.MaxValue));
}
