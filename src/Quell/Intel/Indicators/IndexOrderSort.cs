namespace Quell.Intel.Indicators;

/// <summary>
/// Sorts pending indicators into the order of the value index (value, then type, ordinal): the order each sorted run
/// is written in (decision 70). Each item is sorted by a key holding its first eight characters as one number, so most
/// comparisons are one integer compare on the key array instead of two string dereferences (decision 178).
/// </summary>
static class IndexOrderSort
{
    public static void Sort(List<PendingIndicator> items)
    {
        var keys = new Key[items.Count];
        for (var i = 0; i < keys.Length; i++)
            keys[i] = new Key(Prefix(items[i].Value), items[i]);
        Array.Sort(keys);
        for (var i = 0; i < keys.Length; i++)
            items[i] = keys[i].Item;
    }

    /// <summary>
    /// The first eight characters, one byte each, the first in the highest bits; a shorter value is padded with zeros.
    /// A character above U+00FE counts as 0xFF and ends the key (zeros after it), so the key never orders two values
    /// against their ordinal order: keys that differ order as the strings do, equal keys leave it to the strings.
    /// </summary>
    internal static ulong Prefix(string s)
    {
        ulong p = 0;
        var i = 0;
        for (; i < 8 && i < s.Length; i++)
        {
            var c = s[i];
            if (c >= 0xFF)
            {
                p = (p << 8) | 0xFF;
                i++;
                break;
            }
            p = (p << 8) | c;
        }
        return p << (8 * (8 - i));
    }

    /// <summary>The value index's order: UTF-8 byte order, which SQLite compares, and ordinal UTF-16 order differ only above U+FFFF (harmless here).</summary>
    internal static int Compare(PendingIndicator a, PendingIndicator b)
    {
        var byValue = string.CompareOrdinal(a.Value, b.Value);
        return byValue != 0 ? byValue : string.CompareOrdinal(a.Type, b.Type);
    }

    readonly record struct Key(ulong Prefix, PendingIndicator Item) : IComparable<Key>
    {
        public int CompareTo(Key other) =>
            Prefix != other.Prefix ? Prefix.CompareTo(other.Prefix) : IndexOrderSort.Compare(Item, other.Item);
    }
}
