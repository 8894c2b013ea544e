using System.Runtime.CompilerServices;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Quell.Intel.Matching;

/// <summary>
/// The in-memory indicator index used by detection, mail analysis, enrichment and <c>quell intel match</c>: add and
/// remove indicators one at a time (no rebuild), look raw values up. Per kind: digests as bytes; IPv4/IPv6 addresses
/// as numbers, one table per prefix length in use, so an address matches every listed block that contains it;
/// host and domain names with suffix matching (a listed <c>evil.example</c> matches <c>a.b.evil.example</c>, never
/// <c>notevil.example</c>); URLs exact after canonicalization and by host (name or address); e-mail addresses exact
/// and by domain; other types exact. Composite indicators are indexed by their parts (not ports nor registry values).
/// <para>
/// Concurrency: one writer at a time (a lock); readers never lock. A sequence counter (a seqlock) is odd while a
/// write is in progress; a reader notes it, probes, and retries if it changed, so a reader sees each Add or Remove
/// entirely or not at all, never a torn table. Reads cost two counter reads and a fence; a write blocks readers for
/// its duration only (microseconds; a table doubling, milliseconds).
/// </para>
/// <para>
/// An address probes only the prefix lengths that can hold a block containing it: per /16 of IPv4 space (and per
/// hashed /32 of IPv6 space) a bit mask of the prefix lengths indexed there, plus the shorter blocks, which every
/// address probes. A lookup of an unlisted address then costs one or two probes instead of one per prefix length in
/// use. Bits are never cleared on removal: a stale bit costs a probe, never a wrong answer.
/// </para>
/// </summary>
public sealed partial class IndicatorIndex
{
    readonly Lock _writer = new();
    int _version;
    readonly long _seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));

    readonly KeyTable _hashes = new();
    readonly KeyTable _names = new();
    readonly KeyTable _urls = new();
    readonly KeyTable _emails = new();
    readonly KeyTable _texts = new();
    readonly KeyTable?[] _v4 = new KeyTable?[33];
    readonly KeyTable?[] _v6 = new KeyTable?[129];
    /// <summary>
    /// IPv4 prefix lengths 16–32 indexed per /16 (bit p − 16), allocated with the first such block: 256 KB, which
    /// stays in a core's L2 cache where 64-bit words (512 KB) did not.
    /// </summary>
    uint[]? _v4ByBucket;
    /// <summary>IPv4 prefix lengths below 16 in use (bit p): every address probes them.</summary>
    ulong _v4Wide;
    /// <summary>IPv6 prefix lengths 32–128 per hashed /32: two words per bucket, bits p − 32 and p − 96.</summary>
    ulong[]? _v6ByBucket;
    /// <summary>IPv6 prefix lengths below 32 in use.</summary>
    ulong _v6Wide;
    /// <summary>Label counts of the listed names (bit n, 63 for 63 or more): a lookup skips parents of other lengths.</summary>
    ulong _nameLabels;
    int _indicators;

    const int V6Buckets = 1 << 16;

    /// <summary>Indicators added and not removed.</summary>
    public int Count => Volatile.Read(ref _indicators);

    /// <summary>Bytes held by the index's tables (the memory cost per indicator is this divided by <see cref="Count"/>).</summary>
    public long Bytes
    {
        get
        {
            lock (_writer)
                return AllTables().Sum(t => t.Bytes) + 4L * (_v4ByBucket?.Length ?? 0) + 8L * (_v6ByBucket?.Length ?? 0);
        }
    }

    IEnumerable<KeyTable> AllTables() =>
        new[] { _hashes, _names, _urls, _emails, _texts }.Concat(_v4.OfType<KeyTable>()).Concat(_v6.OfType<KeyTable>());

    /// <summary>
    /// Indexes indicator <paramref name="id"/> (&gt; 0) of a MISP <paramref name="type"/> under its value as
    /// <see cref="IndicatorNormalizer.Normalize"/> returned it. False when it was already indexed under that value.
    /// </summary>
    /// <exception cref="ArgumentException">The type is unknown or the value is not in normalized form.</exception>
    public bool Add(long id, string type, string normalizedValue) => Update(id, type, normalizedValue, add: true);

    /// <summary>Removes what <see cref="Add"/> indexed (same id, type and value); false when it was not indexed.</summary>
    public bool Remove(long id, string type, string normalizedValue) => Update(id, type, normalizedValue, add: false);

    bool Update(long id, string type, string normalizedValue, bool add)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(id);
        var keys = new List<IndexKey>(2);
        Keys(type, normalizedValue, keys);
        lock (_writer)
        {
            Interlocked.Increment(ref _version);
            try
            {
                var changed = false;
                foreach (var key in keys)
                    changed |= add ? Insert(key, id) : Delete(key, id);
                if (changed)
                    _indicators += add ? 1 : -1;
                return changed;
            }
            finally
            {
                Interlocked.Increment(ref _version);
            }
        }
    }

    /// <summary>What a key is stored in: one of the tables, or the IPv4/IPv6 table of its prefix length.</summary>
    internal enum KeyKind : byte { Hash, Name, Url, Email, Text, V4, V6 }

    /// <summary>A key to store. <paramref name="Extra"/>: the prefix length of an address, the label count of a name.</summary>
    internal readonly record struct IndexKey(KeyKind Kind, int Extra, ulong Lo, ulong Hi);

    /// <summary>Under the writer lock.</summary>
    bool Insert(in IndexKey key, long id)
    {
        if (!Table(key, create: true)!.Add(key.Lo, key.Hi, id))
            return false;
        Mark(key);
        return true;
    }

    /// <summary>Notes a stored key's prefix length or label count in the filters lookups consult.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void Mark(in IndexKey key)
    {
        switch (key.Kind)
        {
            case KeyKind.V4 when key.Extra < 16:
                _v4Wide |= 1UL << key.Extra;
                break;
            case KeyKind.V4:
                (_v4ByBucket ??= new uint[1 << 16])[key.Lo >> 16] |= 1U << (key.Extra - 16);
                break;
            case KeyKind.V6 when key.Extra < 32:
                _v6Wide |= 1UL << key.Extra;
                break;
            case KeyKind.V6:
                var bucket = 2 * V6Bucket(key.Hi);
                var buckets = _v6ByBucket ??= new ulong[2 * V6Buckets];
                if (key.Extra < 96)
                    buckets[bucket] |= 1UL << (key.Extra - 32);
                else
                    buckets[bucket + 1] |= 1UL << (key.Extra - 96);
                break;
            case KeyKind.Name:
                _nameLabels |= 1UL << Math.Min(key.Extra, 63);
                break;
        }
    }

    bool Delete(in IndexKey key, long id) => Table(key, create: false) is { } table && table.Remove(key.Lo, key.Hi, id);

    KeyTable? Table(in IndexKey key, bool create) => key.Kind switch
    {
        KeyKind.Hash => _hashes,
        KeyKind.Name => _names,
        KeyKind.Url => _urls,
        KeyKind.Email => _emails,
        KeyKind.Text => _texts,
        KeyKind.V4 => _v4[key.Extra] ??= create ? new KeyTable() : null,
        _ => _v6[key.Extra] ??= create ? new KeyTable() : null,
    };

    /// <summary>The bucket of an IPv6 address or block (its high 64 bits): a hash of its first 32 bits.</summary>
    static int V6Bucket(ulong high) => (int)(((uint)(high >> 32) * 0x9E3779B1u) >> 16);

    /// <summary>The keys of a normalized value; composite values have a key per part (not ports nor registry values).</summary>
    internal void Keys(string type, string value, List<IndexKey> keys)
    {
        if (!IndicatorTypes.IsKnown(type))
            throw new ArgumentException($"'{IndicatorNormalizer.Printable(type)}' is not a MISP attribute type", nameof(type));
        if (IndicatorTypes.Parts(type) is { } parts)
        {
            var bar = parts[0] == "filename" ? value.LastIndexOf('|') : value.IndexOf('|', StringComparison.Ordinal);
            if (bar < 0)
                throw new ArgumentException($"a {type} value has two parts separated by '|'", nameof(value));
            PartKeys(parts[0], value[..bar], keys);
            PartKeys(parts[1], value[(bar + 1)..], keys);
        }
        else
            SingleKeys(type, value, keys);
    }

    void PartKeys(string type, string value, List<IndexKey> keys)
    {
        // A port or a registry value alone says nothing: "443" would match every composite with that port.
        if (type is "port" or "text")
            return;
        SingleKeys(type, value, keys);
    }

    void SingleKeys(string type, string value, List<IndexKey> keys)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        switch (IndicatorTypes.KindOf(type))
        {
            case IndicatorKind.Ip:
                if (ValueKeys.TryIPv4(bytes, out var v4, out var p4))
                    keys.Add(V4Key(v4, p4));
                else if (ValueKeys.TryIPv6(bytes, out var v6, out var p6))
                    keys.Add(V6Key(v6, p6));
                else
                    throw new ArgumentException($"'{IndicatorNormalizer.Printable(value)}' is not a normalized address or block", nameof(value));
                break;
            case IndicatorKind.Domain:
                keys.Add(Key(KeyKind.Name, bytes, LabelCount(bytes)));
                break;
            case IndicatorKind.Url:
                keys.Add(Key(KeyKind.Url, bytes));
                break;
            case IndicatorKind.Email:
                keys.Add(Key(KeyKind.Email, bytes));
                break;
            case IndicatorKind.Hash when ValueKeys.IsDigestLength(bytes.Length) && ValueKeys.TryDigest(bytes, _seed, out var digest):
                keys.Add(new(KeyKind.Hash, 0, digest.Lo, digest.Hi));
                break;
            default:
                keys.Add(Key(KeyKind.Text, bytes));
                break;
        }
    }

    IndexKey Key(KeyKind kind, ReadOnlySpan<byte> bytes, int extra = 0)
    {
        var (lo, hi) = ValueKeys.Fingerprint(bytes, _seed);
        return new(kind, extra, lo, hi);
    }

    static IndexKey V4Key(uint address, int prefix) => new(KeyKind.V4, prefix, ValueKeys.MaskV4(address, prefix), 0);

    static IndexKey V6Key(UInt128 address, int prefix)
    {
        var masked = ValueKeys.MaskV6(address, prefix);
        return new(KeyKind.V6, prefix, (ulong)masked, (ulong)(masked >> 64));
    }

    static int LabelCount(ReadOnlySpan<byte> name) => name.Count((byte)'.') + 1;

    /// <summary>Bit n set for every n in 0..<paramref name="max"/> (max ≤ 63).</summary>
    static ulong UpTo(int max) => max >= 63 ? ulong.MaxValue : (2UL << max) - 1;

    static int Highest(ulong bits) => 63 - BitOperations.LeadingZeroCount(bits);
}
