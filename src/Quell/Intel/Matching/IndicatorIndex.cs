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
    /// <summary>Prefix lengths with at least one block, longest first: the tables an address probes.</summary>
    int[] _v4Prefixes = [];
    int[] _v6Prefixes = [];
    int _indicators;

    /// <summary>Indicators added and not removed.</summary>
    public int Count => Volatile.Read(ref _indicators);

    /// <summary>Bytes held by the index's tables (the memory cost per indicator is this divided by <see cref="Count"/>).</summary>
    public long Bytes
    {
        get
        {
            lock (_writer)
                return AllTables().Sum(t => t.Bytes);
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
        var keys = Keys(type, normalizedValue);
        lock (_writer)
        {
            Interlocked.Increment(ref _version);
            try
            {
                var changed = false;
                foreach (var (table, lo, hi, v4, v6) in keys)
                {
                    var t = table ?? AddressTable(v4, v6, create: add);
                    if (t is null)
                        continue;
                    changed |= add ? t.Add(lo, hi, id) : t.Remove(lo, hi, id);
                    if (table is null)
                        RefreshPrefixes();
                }
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

    KeyTable? AddressTable(int v4, int v6, bool create)
    {
        var (tables, prefix) = v4 >= 0 ? (_v4, v4) : (_v6, v6);
        if (tables[prefix] is null && create)
            tables[prefix] = new KeyTable();
        return tables[prefix];
    }

    void RefreshPrefixes()
    {
        _v4Prefixes = Enumerable.Range(0, 33).Reverse().Where(p => _v4[p]?.Count > 0).ToArray();
        _v6Prefixes = Enumerable.Range(0, 129).Reverse().Where(p => _v6[p]?.Count > 0).ToArray();
    }

    /// <summary>A key to store: a table, or (table null) the address table of IPv4 prefix v4 or IPv6 prefix v6.</summary>
    readonly record struct IndexKey(KeyTable? Table, ulong Lo, ulong Hi, int V4, int V6);

    List<IndexKey> Keys(string type, string value)
    {
        if (!IndicatorTypes.IsKnown(type))
            throw new ArgumentException($"'{IndicatorNormalizer.Printable(type)}' is not a MISP attribute type", nameof(type));
        var keys = new List<IndexKey>(2);
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
        return keys;
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
                    keys.Add(new(null, ValueKeys.MaskV4(v4, p4), 0, p4, -1));
                else if (ValueKeys.TryIPv6(bytes, out var v6, out var p6))
                {
                    var masked = ValueKeys.MaskV6(v6, p6);
                    keys.Add(new(null, (ulong)masked, (ulong)(masked >> 64), -1, p6));
                }
                else
                    throw new ArgumentException($"'{IndicatorNormalizer.Printable(value)}' is not a normalized address or block", nameof(value));
                break;
            case IndicatorKind.Domain:
                Add(_names, bytes);
                break;
            case IndicatorKind.Url:
                Add(_urls, bytes);
                break;
            case IndicatorKind.Email:
                Add(_emails, bytes);
                break;
            case IndicatorKind.Hash when ValueKeys.IsDigestLength(bytes.Length) && ValueKeys.TryDigest(bytes, _seed, out var digest):
                keys.Add(new(_hashes, digest.Lo, digest.Hi, -1, -1));
                break;
            default:
                Add(_texts, bytes);
                break;
        }

        void Add(KeyTable table, byte[] b)
        {
            var (lo, hi) = ValueKeys.Fingerprint(b, _seed);
            keys.Add(new(table, lo, hi, -1, -1));
        }
    }
}
