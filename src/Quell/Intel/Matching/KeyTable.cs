using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Quell.Intel.Matching;

/// <summary>
/// An open-addressing hash table (linear probing, backward-shift deletion) from 128-bit keys to indicator ids:
/// 24 bytes a slot plus a one-byte tag, no object per entry. The tags (8 bits of the key's hash, 0 for an empty
/// slot) sit in their own array, 1/24th the size of the entries: a key that is not held (nine lookups in ten) is
/// usually answered from the tags alone, which stay in the CPU's cache where the entries do not. A key held by one indicator stores its id in the slot; a key shared by
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

    /// <summary>The entries and their tags, replaced together by a resize so that a reader sees matching arrays.</summary>
    sealed class Slots(int length)
    {
        public readonly Entry[] Entries = HugePages.Zeroed<Entry>(length);
        public readonly byte[] Tags = new byte[length];
    }

    Slots _slots = new(8);
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
            long bytes = 25L * _slots.Entries.Length + 8L * _lists.Length;
            foreach (var list in _lists)
                if (list is not null)
                    bytes += 24 + 8L * list.Length;
            return bytes;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Hash(ulong lo, ulong hi) =>
        // Addresses and decoded md5s are not uniformly spread in every bit: multiply both halves in.
        (lo ^ ((hi << 29) | (hi >> 35))) * 0x9E3779B97F4A7C15UL;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int Slot(ulong h, int mask) => (int)((h ^ (h >> 32)) & (uint)mask);

    static int Slot(ulong lo, ulong hi, int mask) => Slot(Hash(lo, hi), mask);

    /// <summary>The top byte of the hash (the slot comes from the low bits), never 0: 0 marks an empty slot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte Tag(ulong h) => (byte)((h >> 56) | ((h >> 56) == 0 ? 1UL : 0UL));

    /// <summary>Whether any indicator holds the key; appends their ids to <paramref name="ids"/> when given.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Probe(ulong lo, ulong hi, List<long>? ids)
    {
        var slots = _slots; // one read: a resize publishes new arrays
        var tags = slots.Tags;
        var h = Hash(lo, hi);
        var tag = Tag(h);
        var left = tags.Length;
        for (var i = NextTagged(tags, tag, Slot(h, tags.Length - 1), ref left); i >= 0; i = NextTagged(tags, tag, (i + 1) & (tags.Length - 1), ref left))
        {
            left--;
            ref var e = ref slots.Entries[i];
            var value = e.Value;
            if (value == 0 || e.Lo != lo || e.Hi != hi)
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
    /// The tags alone: false when no slot of the key's run carries its tag (the key is surely not held), true when
    /// one does (<see cref="Probe"/> decides). The entry of the first such slot is prefetched for that probe.
    /// </summary>
    /// <remarks>
    /// The first 32 tags of the run are compared at once: walking them one by one, each with a branch on random
    /// data, cost more in mispredictions than the tags' cache misses. A run longer than that is walked on.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe bool MayHold(ulong lo, ulong hi)
    {
        var slots = _slots;
        var tags = slots.Tags;
        var h = Hash(lo, hi);
        var tag = Tag(h);
        var start = Slot(h, tags.Length - 1);
        var left = tags.Length;
        int i;
        if (Vector256.IsHardwareAccelerated && start + Vector256<byte>.Count <= tags.Length)
        {
            var group = Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(tags), (nuint)start);
            var empty = Vector256.Equals(group, Vector256<byte>.Zero).ExtractMostSignificantBits();
            var same = Vector256.Equals(group, Vector256.Create(tag)).ExtractMostSignificantBits();
            if (empty != 0)
                same &= (1u << BitOperations.TrailingZeroCount(empty)) - 1; // the run ends at its first empty slot
            if (same != 0)
                i = start + BitOperations.TrailingZeroCount(same);
            else if (empty != 0)
                return false;
            else
            {
                left -= Vector256<byte>.Count;
                i = NextTagged(tags, tag, (start + Vector256<byte>.Count) & (tags.Length - 1), ref left);
            }
        }
        else
            i = NextTagged(tags, tag, start, ref left);
        if (i >= 0 && Sse.IsSupported)
            Sse.Prefetch0(Unsafe.AsPointer(ref slots.Entries[i]));
        return i >= 0;
    }

    /// <summary>
    /// The first slot from <paramref name="i"/> on (cyclically) whose tag is <paramref name="tag"/>, or -1 when an
    /// empty slot ends the run first. At most <paramref name="left"/> slots are read (a reader may see a table
    /// mid-write, so the walk is bounded rather than trusting an empty slot to come).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int NextTagged(byte[] tags, byte tag, int i, ref int left)
    {
        var mask = tags.Length - 1;
        for (; left > 0; left--, i = (i + 1) & mask)
        {
            var t = tags[i];
            if (t == tag)
                return i;
            if (t == 0)
                return -1;
        }
        return -1;
    }

    /// <summary>
    /// Asks the CPU to start loading the tags a key's probe starts at, so that a batch of probes waits for memory
    /// about once instead of once per key. A prefetch never faults, so an address that a resize or a moving GC has
    /// made stale costs a wasted load, never a wrong answer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Prefetch(ulong lo, ulong hi)
    {
        if (!Sse.IsSupported)
            return;
        var tags = _slots.Tags;
        Sse.Prefetch0(Unsafe.AsPointer(ref tags[Slot(lo, hi, tags.Length - 1)]));
    }

    /// <summary>Grows the table once to hold <paramref name="keys"/> keys, so a bulk load does not double it step by step.</summary>
    public void EnsureCapacity(int keys)
    {
        var length = _slots.Entries.Length;
        while ((long)keys * 4 > (long)length * 3)
            length *= 2;
        if (length != _slots.Entries.Length)
            Grow(length);
    }

    /// <summary>
    /// Writes the key indexes <paramref name="members"/> to <paramref name="ordered"/> (as long) by the 1/256th of the
    /// table their home slot lies in (a counting sort), for inserting many keys with few cache misses; call after
    /// <see cref="EnsureCapacity"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void ByRegion(ReadOnlySpan<int> members, IndicatorIndex.IndexKey[] keys, Span<int> ordered)
    {
        if (members.Length < 4096)
        {
            members.CopyTo(ordered);
            return;
        }
        var mask = _slots.Entries.Length - 1;
        var shift = Math.Max(0, System.Numerics.BitOperations.Log2((uint)_slots.Entries.Length) - 8);
        Span<int> starts = stackalloc int[257];
        foreach (var i in members)
            starts[(Slot(keys[i].Lo, keys[i].Hi, mask) >> shift) + 1]++;
        for (var r = 1; r < starts.Length; r++)
            starts[r] += starts[r - 1];
        foreach (var i in members)
            ordered[starts[Slot(keys[i].Lo, keys[i].Hi, mask) >> shift]++] = i;
    }

    /// <summary>Adds (key, id); false when the key already holds the id.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Add(ulong lo, ulong hi, long id)
    {
        if ((_count + 1) * 4 > _slots.Entries.Length * 3)
            Grow(_slots.Entries.Length * 2);
        var (entries, tags) = (_slots.Entries, _slots.Tags);
        var mask = entries.Length - 1;
        var h = Hash(lo, hi);
        var i = Slot(h, mask);
        while (true)
        {
            ref var e = ref entries[i];
            if (e.Value == 0)
            {
                e.Lo = lo;
                e.Hi = hi;
                e.Value = id;
                tags[i] = Tag(h);
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
        var entries = _slots.Entries;
        var mask = entries.Length - 1;
        var i = Slot(lo, hi, mask);
        while (true)
        {
            ref var e = ref entries[i];
            if (e.Value == 0)
                return false;
            if (e.Lo == lo && e.Hi == hi)
                break;
            i = (i + 1) & mask;
        }
        ref var slot = ref entries[i];
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

    /// <summary>Backward-shift deletion: later entries of the probe run move up (with their tags), so no tombstones accumulate.</summary>
    void DeleteSlot(int hole, int mask)
    {
        var (entries, tags) = (_slots.Entries, _slots.Tags);
        var j = hole;
        while (true)
        {
            j = (j + 1) & mask;
            ref var e = ref entries[j];
            if (e.Value == 0)
                break;
            var home = Slot(e.Lo, e.Hi, mask);
            // e may fill the hole when its home is not cyclically within (hole, j].
            var inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
            if (inRange)
                continue;
            entries[hole] = e;
            tags[hole] = tags[j];
            hole = j;
        }
        tags[hole] = 0;
        entries[hole] = default;
        _count--;
    }

    /// <summary>Builds the larger arrays beside the old ones, then publishes them with one reference write.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void Grow(int length)
    {
        var grown = new Slots(length);
        var mask = length - 1;
        foreach (var e in _slots.Entries)
        {
            if (e.Value == 0)
                continue;
            var h = Hash(e.Lo, e.Hi);
            var i = Slot(h, mask);
            while (grown.Entries[i].Value != 0)
                i = (i + 1) & mask;
            grown.Entries[i] = e;
            grown.Tags[i] = Tag(h);
        }
        _slots = grown;
    }
}
