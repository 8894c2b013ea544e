using System.Runtime.CompilerServices;
using System.Buffers;
using System.Text;

namespace Quell.Intel.Matching;

/// <summary>
/// Looking raw values up. The common shapes (a hex digest, a dotted IPv4 address or block, an IPv6 address, a plain
/// host name, an e-mail address, an already canonical http(s) URL) are recognized and normalized on the UTF-8 bytes
/// without regular expressions or allocation. Anything else (defanged, non-ASCII, ports, percent-escapes, dot
/// segments, host:port, …) goes through <see cref="TypeDetector"/> and <see cref="IndicatorNormalizer"/>, the same
/// rules that normalized the indicators, then probes the same way.
/// </summary>
public sealed partial class IndicatorIndex
{
    const int MaxHost = 253;

    // Sets searched on every lookup, vectorized once.
    static readonly SearchValues<byte> SchemeChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789+-."u8);
    static readonly SearchValues<byte> AuthorityEnd = SearchValues.Create("/?#"u8);
    static readonly SearchValues<byte> CanonicalHostChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-_."u8);
    static readonly SearchValues<byte> NonCanonicalPathChars = SearchValues.Create("%#\"<>`{}|^"u8);
    static readonly SearchValues<byte> IPv4Chars = SearchValues.Create("0123456789."u8);

    /// <summary>Whether the raw value matches any indicator.</summary>
    public bool IsMatch(ReadOnlySpan<byte> utf8) => Read(utf8, null);

    public bool IsMatch(ReadOnlySpan<char> value) => WithUtf8(value, null);

    /// <summary>Appends the ids of every indicator the raw value matches (each once) and says whether there was any.</summary>
    public bool Match(ReadOnlySpan<byte> utf8, List<long> ids) => Read(utf8, ids);

    public bool Match(ReadOnlySpan<char> value, List<long> ids) => WithUtf8(value, ids);

    bool WithUtf8(ReadOnlySpan<char> value, List<long>? ids)
    {
        if (value.Length > IndicatorNormalizer.MaxLength)
            return false;
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        var buffer = max <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var n = Encoding.UTF8.GetBytes(value, buffer);
            return Read(buffer[..n], ids);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The seqlock read: retry while a write is in progress or happened during the probes.</summary>
    bool Read(ReadOnlySpan<byte> utf8, List<long>? ids)
    {
        var start = ids?.Count ?? 0;
        var spin = new SpinWait();
        while (true)
        {
            var version = Volatile.Read(ref _version);
            if ((version & 1) == 0)
            {
                var found = Lookup(utf8, ids);
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref _version) == version)
                {
                    if (ids is not null && found)
                        Distinct(ids, start);
                    return found;
                }
                ids?.RemoveRange(start, ids.Count - start);
            }
            spin.SpinOnce();
        }
    }

    /// <summary>A composite found through two parts, a URL through itself and its host: report each id once.</summary>
    static void Distinct(List<long> ids, int start)
    {
        for (var i = ids.Count - 1; i > start; i--)
            if (ids.IndexOf(ids[i], start, i - start) >= 0)
                ids.RemoveAt(i);
    }

    bool Lookup(ReadOnlySpan<byte> raw, List<long>? ids)
    {
        // Most values have nothing to trim: two byte tests instead of Trim's set searches at both ends.
        var v = !raw.IsEmpty && raw[0] > ' ' && raw[^1] > ' ' ? raw : raw.Trim(" \t\r\n"u8);
        if (v.IsEmpty || v.Length > IndicatorNormalizer.MaxLength)
            return false;
        var found = false;
        if (_texts.Count > 0 && Probe(_texts, v, ids))
        {
            if (ids is null)
                return true;
            found = true;
        }
        return Fast(v, ids, out var handled) | found || (!handled && Slow(v, ids));
    }

    /// <summary>Recognizes and probes the common shapes; <paramref name="handled"/> false sends the value to <see cref="Slow"/>.</summary>
    bool Fast(ReadOnlySpan<byte> v, List<long>? ids, out bool handled)
    {
        handled = true;
        // A third of the values are digests: decoding one checks every byte is hexadecimal, which is all the byte
        // classes would have told (an all-hex value has no other shape), without the per-byte pass.
        if (ValueKeys.IsDigestLength(v.Length) && ValueKeys.TryDigest(v, _seed, out var digest))
            return ProbeKey(_hashes, digest.Lo, digest.Hi, ids);
        handled = false;
        var classes = ByteClasses.Of(v);
        if ((classes & (ByteClasses.High | ByteClasses.Slow)) != 0 || LooksDefangedScheme(v))
            return false;
        handled = true;
        var scheme = (classes & ByteClasses.Colon) != 0 ? v.IndexOf("://"u8) : -1;
        if (scheme > 0)
            return FastUrl(v, scheme, ids, ref handled);
        if ((classes & ByteClasses.At) != 0)
        {
            if ((classes & ByteClasses.Slash) == 0)
                return FastEmail(v, v.LastIndexOf((byte)'@'), ids, ref handled);
            handled = false;
            return false;
        }
        if ((classes & ByteClasses.Colon) != 0)
        {
            // Not an IPv6 address: host:port, address:port and the like.
            UInt128 v6 = 0;
            var p6 = 0;
            handled = ByteClasses.Only(classes, ByteClasses.Hex | ByteClasses.Colon | ByteClasses.Dot | ByteClasses.Slash) && ValueKeys.TryIPv6(v, out v6, out p6);
            return handled && ProbeV6(v6, p6, ids);
        }
        if (ByteClasses.Only(classes, ByteClasses.Digit | ByteClasses.Dot | ByteClasses.Slash) && ValueKeys.TryIPv4(v, out var v4, out var p4))
            return ProbeV4(v4, p4, ids);
        if ((classes & (ByteClasses.Slash | ByteClasses.Question)) != 0)
        {
            handled = false; // a URL without a scheme
            return false;
        }
        if ((classes & ByteClasses.Dot) == 0 || v.Length > MaxHost + 1)
            return false;
        Span<byte> host = stackalloc byte[v.Length];
        return LowerHost(v, host, out var n) && ProbeName(host[..n], ids);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static bool LooksDefangedScheme(ReadOnlySpan<byte> v) =>
        v.Length >= 4 && (v[0] | 0x20) == 'h' && v[1] is (byte)'x' or (byte)'X' or (byte)'*' && v[2] is (byte)'x' or (byte)'X' or (byte)'*';

    /// <summary>Lower-cases a host name and drops a trailing dot; false when it is not a valid name.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static bool LowerHost(ReadOnlySpan<byte> v, Span<byte> host, out int n)
    {
        n = v.Length;
        while (n > 0 && v[n - 1] == '.')
            n--;
        if (n is 0 or > MaxHost)
            return false;
        var label = 0;
        for (var i = 0; i < n; i++)
        {
            var b = v[i];
            if (b == '.')
            {
                if (label == 0)
                    return false;
                label = 0;
            }
            else if (++label > 63 || !(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_'))
                return false;
            host[i] = (byte)(b is >= (byte)'A' and <= (byte)'Z' ? b | 0x20 : b);
        }
        return label > 0;
    }

    bool Probe(KeyTable table, ReadOnlySpan<byte> bytes, List<long>? ids)
    {
        var (lo, hi) = ValueKeys.Fingerprint(bytes, _seed);
        return ProbeKey(table, lo, hi, ids);
    }

    /// <summary>The name and each parent with at least two labels: <c>a.b.evil.example</c> probes up to three names.</summary>
    bool ProbeName(ReadOnlySpan<byte> host, List<long>? ids)
    {
        var lengths = _nameLabels;
        if (lengths == 0)
            return false;
        var found = false;
        var labels = LabelCount(host);
        while (true)
        {
            // Only parents with as many labels as some listed name can be listed.
            if ((lengths & (1UL << Math.Min(labels, 63))) != 0 && Probe(_names, host, ids))
            {
                if (ids is null)
                    return true;
                found = true;
            }
            var dot = host.IndexOf((byte)'.');
            if (dot < 0 || --labels < 2)
                return found;
            host = host[(dot + 1)..];
        }
    }

    bool ProbeV4(uint address, int prefix, List<long>? ids)
    {
        // A block looked up matches the blocks that contain it, not the addresses inside it.
        var candidates = (_v4Wide | (_v4ByBucket is { } buckets ? (ulong)buckets[address >> 16] << 16 : 0)) & UpTo(prefix);
        var found = false;
        while (candidates != 0)
        {
            var p = Highest(candidates);
            candidates &= ~(1UL << p);
            if (_v4[p] is not { } table || !ProbeKey(table, ValueKeys.MaskV4(address, p), 0, ids))
                continue;
            if (ids is null)
                return true;
            found = true;
        }
        return found;
    }

    bool ProbeV6(UInt128 address, int prefix, List<long>? ids)
    {
        var found = false;
        var high = (ulong)(address >> 64);
        var bucket = 2 * V6Bucket(high);
        var buckets = _v6ByBucket;
        // Longest first: 96–128, then 32–95, then the wide blocks.
        var words = buckets is null ? (0UL, 0UL) : (buckets[bucket + 1], buckets[bucket]);
        if (prefix >= 96 && ProbeV6Bits(words.Item1 & UpTo(prefix - 96), 96, address, ids, ref found) && ids is null)
            return true;
        if (prefix >= 32 && ProbeV6Bits(words.Item2 & UpTo(Math.Min(prefix, 95) - 32), 32, address, ids, ref found) && ids is null)
            return true;
        ProbeV6Bits(_v6Wide & UpTo(Math.Min(prefix, 31)), 0, address, ids, ref found);
        return found;
    }

    bool ProbeV6Bits(ulong candidates, int offset, UInt128 address, List<long>? ids, ref bool found)
    {
        while (candidates != 0)
        {
            var bit = Highest(candidates);
            candidates &= ~(1UL << bit);
            var p = bit + offset;
            if (_v6[p] is not { } table)
                continue;
            var masked = ValueKeys.MaskV6(address, p);
            if (!ProbeKey(table, (ulong)masked, (ulong)(masked >> 64), ids))
                continue;
            found = true;
            if (ids is null)
                return true;
        }
        return found;
    }

    bool FastEmail(ReadOnlySpan<byte> v, int at, List<long>? ids, ref bool handled)
    {
        if (at == 0 || at == v.Length - 1 || v.Length > 1024)
            return false;
        Span<byte> email = stackalloc byte[v.Length];
        for (var i = 0; i < at; i++)
            email[i] = (byte)(v[i] is >= (byte)'A' and <= (byte)'Z' ? v[i] | 0x20 : v[i]);
        email[at] = (byte)'@';
        if (!LowerHost(v[(at + 1)..], email[(at + 1)..], out var hostLength))
        {
            handled = false;
            return false;
        }
        var found = _emails.Count > 0 && Probe(_emails, email[..(at + 1 + hostLength)], ids);
        if (found && ids is null)
            return true;
        return ProbeName(email.Slice(at + 1, hostLength), ids) | found;
    }

    /// <summary>A URL in canonical form is probed as it is (with "/" added when the path is empty), and by its host.</summary>
    bool FastUrl(ReadOnlySpan<byte> v, int scheme, List<long>? ids, ref bool handled)
    {
        handled = CanonicalUrl(v, scheme, out var host, out var hasPath);
        if (!handled)
            return false;
        var found = false;
        if (_urls.Count > 0)
        {
            if (hasPath)
                found = Probe(_urls, v, ids);
            else
            {
                var withSlash = v.Length < 2048 ? stackalloc byte[v.Length + 1] : new byte[v.Length + 1];
                v.CopyTo(withSlash);
                withSlash[^1] = (byte)'/';
                found = Probe(_urls, withSlash, ids);
            }
            if (found && ids is null)
                return true;
        }
        var isV4 = host.IndexOfAnyExcept(IPv4Chars) < 0;
        if (isV4)
            return ValueKeys.TryIPv4(host, out var address, out _) && ProbeV4(address, 32, ids) | found;
        return ProbeName(host, ids) | found;
    }

    /// <summary>
    /// Whether a URL is already in <see cref="IndicatorNormalizer.Url"/>'s form: lower-case scheme and host (a name or
    /// a dotted address without leading zeros), no port, userinfo, escapes, fragment or dot segments.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static bool CanonicalUrl(ReadOnlySpan<byte> v, int scheme, out ReadOnlySpan<byte> host, out bool hasPath)
    {
        host = default;
        hasPath = false;
        if (!char.IsAsciiLetterLower((char)v[0]) || v[..scheme].IndexOfAnyExcept(SchemeChars) >= 0)
            return false;
        var rest = v[(scheme + 3)..];
        var hostEnd = rest.IndexOfAny(AuthorityEnd);
        host = hostEnd < 0 ? rest : rest[..hostEnd];
        if (host.IsEmpty || host.IndexOfAnyExcept(CanonicalHostChars) >= 0 || host[^1] == '.')
            return false;
        if (hostEnd >= 0)
        {
            var tail = rest[hostEnd..];
            if (tail[0] != '/' || tail.IndexOfAny(NonCanonicalPathChars) >= 0 || tail.IndexOfAnyInRange((byte)0, (byte)' ') >= 0
                || tail.IndexOf((byte)0x7F) >= 0)
                return false;
            var query = tail.IndexOf((byte)'?');
            if ((query < 0 ? tail : tail[..query]).IndexOf("/."u8) >= 0)
                return false;
            hasPath = true;
        }
        if (host.IndexOfAnyExcept(IPv4Chars) < 0)
            return ValueKeys.TryIPv4(host, out _, out _) && !HasLeadingZero(host);
        Span<byte> lowered = stackalloc byte[Math.Min(host.Length, MaxHost + 1)];
        return LowerHost(host, lowered, out _);
    }

    static bool HasLeadingZero(ReadOnlySpan<byte> dotted)
    {
        for (var i = 0; i + 1 < dotted.Length; i++)
            if (dotted[i] == '0' && (i == 0 || dotted[i - 1] == '.') && dotted[i + 1] != '.')
                return true;
        return false;
    }

    /// <summary>The slow path: detect and normalize as the store does, then probe the normalized parts.</summary>
    bool Slow(ReadOnlySpan<byte> v, List<long>? ids)
    {
        var text = Encoding.UTF8.GetString(v);
        if (TypeDetector.Detect(text) is not { } detected)
            return false;
        var normalized = IndicatorNormalizer.Normalize(detected.Type, detected.Value, out _);
        if (normalized is null)
            return false;
        if (IndicatorTypes.Parts(detected.Type) is { } parts)
        {
            var bar = normalized.IndexOf('|', StringComparison.Ordinal);
            return ProbeNormalized(parts[0], normalized[..bar], ids);
        }
        var found = ProbeNormalized(detected.Type, normalized, ids);
        // "invoice.pdf.exe" is a filename to the detector, but a name can still be listed as a domain.
        if (detected.Type == "filename" && (!found || ids is not null) && IndicatorNormalizer.Host(normalized, out _) is { } host)
            found |= ProbeName(Encoding.UTF8.GetBytes(host), ids);
        return found;
    }

    bool ProbeNormalized(string type, string value, List<long>? ids)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        switch (IndicatorTypes.KindOf(type))
        {
            case IndicatorKind.Ip:
                return ValueKeys.TryIPv4(bytes, out var v4, out var p4) ? ProbeV4(v4, p4, ids)
                    : ValueKeys.TryIPv6(bytes, out var v6, out var p6) && ProbeV6(v6, p6, ids);
            case IndicatorKind.Domain:
                return ProbeName(bytes, ids);
            case IndicatorKind.Email:
                var at = value.LastIndexOf('@');
                var email = _emails.Count > 0 && Probe(_emails, bytes, ids);
                return email && ids is null || ProbeName(bytes.AsSpan(at + 1), ids) | email;
            case IndicatorKind.Url:
                var url = _urls.Count > 0 && Probe(_urls, bytes, ids);
                return url && ids is null || ProbeUrlHost(value, ids) | url;
            case IndicatorKind.Hash when ValueKeys.IsDigestLength(bytes.Length) && ValueKeys.TryDigest(bytes, _seed, out var digest):
                return ProbeKey(_hashes, digest.Lo, digest.Hi, ids);
            default:
                return _texts.Count > 0 && Probe(_texts, bytes, ids);
        }
    }

    /// <summary>The host of a normalized URL: <c>scheme://[userinfo@]host[:port]/…</c>, the host possibly <c>[v6]</c>.</summary>
    bool ProbeUrlHost(string url, List<long>? ids)
    {
        var start = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var end = url.IndexOfAny(['/', '?'], start);
        var authority = url[start..(end < 0 ? url.Length : end)];
        authority = authority[(authority.LastIndexOf('@') + 1)..];
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            return ValueKeys.TryIPv6(Encoding.ASCII.GetBytes(authority[1..close]), out var v6, out _) && ProbeV6(v6, 128, ids);
        }
        var colon = authority.LastIndexOf(':');
        var host = Encoding.ASCII.GetBytes(colon < 0 ? authority : authority[..colon]);
        return ValueKeys.TryIPv4(host, out var v4, out _) ? ProbeV4(v4, 32, ids) : ProbeName(host, ids);
    }
}
