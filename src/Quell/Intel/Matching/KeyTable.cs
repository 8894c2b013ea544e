using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Quell.Intel.Matching;

/// <summary>
/// An open-addressing hash table (linear probing, backward-shift deletion) from 128-bit keys to indicator ids:
/// 24 bytes a slot, no object per entry. A key held by one indicator stores its id in the slot; a key shared by
/// several (the same md5 as <c>md5</c> and <c>imphash</c>, a filename in two composites) points into a side list.
/// One writer at a time (the index's lock). Readers never lock: they may see a half-done write, so every read is
/// bounds-checked and never throws, and the index's version check makes them retry (<see cref="IndicatorIndex"/>).
/// </summary>
internal sealed class KeyTable
{
    /// <summary>Value 0: empty slot; &gt; 0: the one indicator id; &lt; 0: ~index into <see cref="_lists"/>.</summary>
    struct Entry
    {
        public ulong Lo;
        public ulong Hi;
        public long Value;
    }

    Entry[] _entries = new Entry[8];
    long[]?[] _lists = [];
    readonly Stack<int> _freeLists = new();
    int _count;
    int _listCount;

    /// <summary>Distinct keys held.</summary>
    public int Count => _count;

    /// <summary>Bytes of the arrays this table holds (what the index costs in memory).</summary>
    public long Bytes
    {
        get
        {
            long bytes = 24L * _entries.Length + 8L * _lists.Length;
            foreach (var list in _lists)
                if (list is not null)
                    bytes += 24 + 8L * list.Length;
            return bytes;
        }
    }

    static int Slot(ulong lo, ulong hi, int mask)
    {
        // Addresses and decoded md5s are not uniformly spread in every bit: multiply both halves in.
        var h = (lo ^ ((hi << 29) | (hi >> 35))) * 0x9E3779B97F4A7C15UL;
        return (int)((h ^ (h >> 32)) & (uint)mask);
    }

    /// <summary>Whether any indicator holds the key; appends their ids to <paramref name="ids"/> when given.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Probe(ulong lo, ulong hi, List<long>? ids)
    {
        var entries = _entries; // one read: a resize publishes a new array
        var mask = entries.Length - 1;
        var i = Slot(lo, hi, mask);
        for (var n = 0; n < entries.Length; n++, i = (i + 1) & mask)
        {
            ref var e = ref entries[i];
            var value = e.Value;
            if (value == 0)
                return false;
            if (e.Lo != lo || e.Hi != hi)
                continue;
            if (ids is null)
                return true;
            if (value > 0)
                ids.Add(value);
            else
            {
                var lists = _lists;
                var index = ~value;
                if (index < lists.Length && lists[index] is { } list)
                    foreach (var id in list)
                        if (id != 0)
                            ids.Add(id);
            }
            return true;
        }
        return false;
    }

    /// <summary>
    /// Asks the CPU to start loading the slot a key's probe starts at, so that a batch of probes waits for memory
    /// about once instead of once per key (the tables are far larger than the caches). A prefetch never faults, so
    /// an address that a resize or a moving GC has made stale costs a wasted load, never a wrong answer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Prefetch(ulong lo, ulong hi)
    {
        if (!Sse.IsSupported)
            return;
        var entries = _entries;
        var mask = entries.Length - 1;
        var slot = Slot(lo, hi, mask);
        Sse.Prefetch0(Unsafe.AsPointer(ref entries[slot]));
        // A miss reads on until an empty slot: several entries at these load factors, so the next line too.
        Sse.Prefetch0(Unsafe.AsPointer(ref entries[(slot + 3) & mask]));
    }

    /// <summary>Grows the table once to hold <paramref name="keys"/> keys, so a bulk load does not double it step by step.</summary>
    public void EnsureCapacity(int keys)
    {
        var length = _entries.Length;
        while ((long)keys * 4 > (long)length * 3)
            length *= 2;
        if (length != _entries.Length)
            Grow(length);
    }

    /// <summary>
    /// The key indexes <paramref name="members"/> reordered by the 1/256th of the table their home slot lies in (a
    /// counting sort), for inserting many keys with few cache misses; call after <see cref="EnsureCapacity"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int[] ByRegion(int[] members, IndicatorIndex.IndexKey[] keys)
    {
        if (members.Length < 4096)
            return members;
        var mask = _entries.Length - 1;
        var shift = Math.Max(0, System.Numerics.BitOperations.Log2((uint)_entries.Length) - 8);
        Span<int> starts = stackalloc int[257];
        foreach (var i in members)
            starts[(Slot(keys[i].Lo, keys[i].Hi, mask) >> shift) + 1]++;
        for (var r = 1; r < starts.Length; r++)
            starts[r] += starts[r - 1];
        var ordered = new int[members.Length];
        foreach (var i in members)
            ordered[starts[Slot(keys[i].Lo, keys[i].Hi, mask) >> shift]++] = i;
        return ordered;
    }

    /// <summary>Adds (key, id); false when the key already holds the id.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Add(ulong lo, ulong hi, long id)
    {
        if ((_count + 1) * 4 > _entries.Length * 3)
            Grow(_entries.Length * 2);
        var mask = _entries.Length - 1;
        var i = Slot(lo, hi, mask);
        while (true)
        {
            ref var e = ref _entries[i];
            if (e.Value == 0)
            {
                e.Lo = lo;
                e.Hi = hi;
                e.Value = id;
                _count++;
                return true;
            }
            if (e.Lo == lo && e.Hi == hi)
                return AddToSlot(ref e, id);
            i = (i + 1) & mask;
        }
    }

    bool AddToSlot(ref Entry e, long id)
    {
        if (e.Value > 0)
        {
            if (e.Value == id)
                return false;
            var index = NewList();
            _lists[index] = [e.Value, id];
            e.Value = ~(long)index;
            return true;
        }
        var list = _lists[~e.Value]!;
        if (Array.IndexOf(list, id) >= 0)
            return false;
        var free = Array.IndexOf(list, 0L);
        if (free < 0)
        {
            free = list.Length;
            Array.Resize(ref list, list.Length * 2);
            _lists[~e.Value] = list;
        }
        list[free] = id;
        return true;
    }

    int NewList()
    {
        if (_freeLists.TryPop(out var index))
            return index;
        if (_listCount == _lists.Length)
        {
            var grown = new long[]?[Math.Max(4, _lists.Length * 2)];
            _lists.CopyTo(grown, 0);
            _lists = grown;
        }
        return _listCount++;
    }

    /// <summary>Removes (key, id); false when the key does not hold the id.</summary>
    public bool Remove(ulong lo, ulong hi, long id)
    {
        var mask = _entries.Length - 1;
        var i = Slot(lo, hi, mask);
        while (true)
        {
            ref var e = ref _entries[i];
            if (e.Value == 0)
                return false;
            if (e.Lo == lo && e.Hi == hi)
                break;
            i = (i + 1) & mask;
        }
        ref var slot = ref _entries[i];
        if (slot.Value < 0)
        {
            var index = (int)~slot.Value;
            var list = _lists[index]!;
            var at = Array.IndexOf(list, id);
            if (at < 0)
                return false;
            list[at] = 0;
            var left = list.Count(x => x != 0);
            if (left > 1)
                return true;
            var remaining = left == 1 ? list.First(x => x != 0) : 0;
            _lists[index] = null;
            _freeLists.Push(index);
            if (remaining != 0)
            {
                slot.Value = remaining;
                return true;
            }
        }
        else if (slot.Value != id)
            return false;
        DeleteSlot(i, mask);
        return true;
    }

    /// <summary>Backward-shift deletion: later entries of the probe run move up, so no tombstones accumulate.</summary>
    void DeleteSlot(int hole, int mask)
    {
        var j = hole;
        while (true)
        {
            j = (j + 1) & mask;
            ref var e = ref _entries[j];
            if (e.Value == 0)
                break;
            var home = Slot(e.Lo, e.Hi, mask);
            // e may fill the hole when its home is not cyclically within (hole, j].
            var inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
            if (inRange)
                continue;
            _entries[hole] = e;
            hole = j;
        }
        _entries[hole] = default;
        _count--;
    }

    /// <summary>Builds the larger array beside the old one, then publishes it with one reference write.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void Grow(int length)
    {
        var grown = new Entry[length];
        var mask = grown.Length - 1;
        foreach (var e in _entries)
        {
            if (e.Value == 0)
                continue;
            var i = Slot(e.Lo, e.Hi, mask);
            while (grown[i].Value != 0)
                i = (i + 1) & mask;
            grown[i] = e;
        }
        _entries = grown;
    }
}
