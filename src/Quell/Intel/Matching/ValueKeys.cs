using System.Buffers.Binary;
using System.IO.Hashing;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Quell.Intel.Matching;

/// <summary>
/// The 128-bit keys the index stores. An md5 is its own 16 bytes; longer digests and every name, URL, e-mail address
/// and text value are their XxHash128 under a seed drawn per index, so a value costs 16 bytes whatever its length and
/// nobody can craft a colliding value without knowing the seed (a collision would be a false match, about
/// n / 2^128). Addresses are numbers: an IPv4 address in the low 32 bits, an IPv6 address as two 64-bit halves.
/// </summary>
internal static class ValueKeys
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (ulong Lo, ulong Hi) Fingerprint(ReadOnlySpan<byte> bytes, long seed)
    {
        var h = XxHash128.HashToUInt128(bytes, seed);
        return ((ulong)h, (ulong)(h >> 64));
    }

    /// <summary>Digest lengths in bytes that are decoded and stored as bytes (md5 16 … sha512 64, jarm 31).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsDigestLength(int hexDigits) => hexDigits is 32 or 40 or 56 or 62 or 64 or 96 or 128;

    /// <summary>The key of a decoded digest; false when <paramref name="hex"/> is not hexadecimal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryDigest(ReadOnlySpan<byte> hex, long seed, out (ulong Lo, ulong Hi) key)
    {
        key = default;
        Span<byte> bytes = stackalloc byte[64];
        var n = hex.Length / 2;
        // Vectorized, and stops at the first byte that is not a hexadecimal digit.
        if (n > bytes.Length || Convert.FromHexString(hex, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != n)
            return false;
        key = n == 16
            ? (BinaryPrimitives.ReadUInt64LittleEndian(bytes), BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]))
            : Fingerprint(bytes[..n], seed);
        return true;
    }

    /// <summary>Four decimal octets (as <see cref="IndicatorNormalizer.TryParseAddress"/> reads them), optionally /prefix.</summary>
    /// <remarks>
    /// One pass over the bytes: a search for the slash and one per dot cost more in calls than the parse itself on
    /// values this short. Same answers as splitting at the first '/' and then at the dots (IPv4ParserTests).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryIPv4(ReadOnlySpan<byte> s, out uint address, out int prefix)
    {
        address = 0;
        prefix = 32;
        uint octet = 0;
        int digits = 0, dots = 0, i = 0;
        for (; i < s.Length; i++)
        {
            var digit = (uint)(s[i] - '0');
            if (digit <= 9)
            {
                if (++digits > 3)
                    return false;
                octet = octet * 10 + digit;
            }
            else if (s[i] == '.' && dots < 3 && digits > 0 && octet <= 255)
            {
                address = (address << 8) | octet;
                (octet, digits) = (0, 0);
                dots++;
            }
            else if (s[i] == '/')
                break;
            else
                return false;
        }
        if (dots != 3 || digits == 0 || octet > 255)
            return false;
        address = (address << 8) | octet;
        return i == s.Length || TryNumber(s[(i + 1)..], 2, out prefix) && prefix <= 32;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static bool TryNumber(ReadOnlySpan<byte> s, int maxDigits, out int value)
    {
        value = 0;
        if (s.Length is 0 || s.Length > maxDigits)
            return false;
        foreach (var b in s)
        {
            if (b is < (byte)'0' or > (byte)'9')
                return false;
            value = value * 10 + (b - '0');
        }
        return true;
    }

    /// <summary>An IPv6 address (optionally /prefix) as a 128-bit number; false when it is not one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryIPv6(ReadOnlySpan<byte> s, out UInt128 address, out int prefix)
    {
        address = 0;
        prefix = 128;
        var slash = s.IndexOf((byte)'/');
        if (slash >= 0)
        {
            if (!TryNumber(s[(slash + 1)..], 3, out prefix) || prefix > 128)
                return false;
            s = s[..slash];
        }
        if (s.Length > 45)
            return false;
        if (TryHexGroups(s, out address) is { } parsed)
            return parsed;
        Span<char> chars = stackalloc char[s.Length];
        for (var i = 0; i < s.Length; i++)
            chars[i] = (char)s[i];
        var zone = chars.IndexOf('%');
        if (zone >= 0)
            chars = chars[..zone];
        if (!IPAddress.TryParse(chars, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
            return false;
        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out _);
        address = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return true;
    }

    /// <summary>
    /// The address in the common form of hexadecimal groups with at most one <c>::</c>, without allocating (the
    /// parser of <see cref="IPAddress"/> allocates an object per address); null for anything else (an embedded IPv4
    /// address, a zone), which <see cref="IPAddress.TryParse(ReadOnlySpan{char}, out IPAddress?)"/> decides.
    /// <c>IPv6ParserTests</c> compares both on random strings.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool? TryHexGroups(ReadOnlySpan<byte> s, out UInt128 address)
    {
        address = 0;
        Span<ushort> groups = stackalloc ushort[8];
        var count = 0;
        var gap = -1; // the group index where "::" stands
        var i = 0;
        if (s.Length >= 2 && s[0] == ':' && s[1] == ':')
        {
            gap = 0;
            i = 2;
        }
        while (i < s.Length)
        {
            var value = 0;
            var digits = 0;
            for (; i < s.Length && digits <= 4; i++, digits++)
            {
                var d = HexValue(s[i]);
                if (d < 0)
                    break;
                value = (value << 4) | d;
            }
            if (digits > 4)
                return false;
            if (digits == 0)
                // A colon or dot where a group should start is an error; any other byte (the '%' of a zone) is IPAddress's to judge.
                return s[i] is (byte)':' or (byte)'.' ? false : null;
            if (count == 8)
                return false;
            groups[count++] = (ushort)value;
            if (i == s.Length)
                break;
            if (s[i] != ':')
                return null; // "::ffff:1.2.3.4" and the like
            if (i + 1 < s.Length && s[i + 1] == ':')
            {
                if (gap >= 0)
                    return false;
                gap = count;
                i += 2;
                continue;
            }
            if (++i == s.Length)
                return false; // a trailing single colon
        }
        if (gap < 0 ? count != 8 : count > 7)
            return false;
        UInt128 result = 0;
        var zeros = gap < 0 ? 0 : 8 - count;
        for (var g = 0; g < count; g++)
        {
            if (g == gap)
                result <<= 16 * zeros;
            result = (result << 16) | groups[g];
        }
        if (gap == count)
            result <<= 16 * zeros;
        address = result;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    public static uint MaskV4(uint address, int prefix) => prefix == 0 ? 0 : address & (uint.MaxValue << (32 - prefix));

    public static UInt128 MaskV6(UInt128 address, int prefix) => prefix == 0 ? 0 : address & (UInt128.MaxValue << (128 - prefix));
}
