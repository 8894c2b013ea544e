namespace Quell.Intel.Matching;

/// <summary>
/// The keys a batch of lookups would probe, noted instead of probed so that their slots can be fetched from memory
/// together (<see cref="IndicatorIndex.IsMatch(ReadOnlySpan{byte}, ReadOnlySpan{Range}, Span{bool})"/>). A lookup is
/// handed the plan as its id list: in that mode it never stops at a hit and so probes the same keys whatever they
/// hold, and every key it probes ends up here. A value matches exactly when one of its keys is held.
/// </summary>
internal sealed class ProbePlan : List<long>
{
    KeyTable[] _tables = new KeyTable[256];
    ulong[] _lo = new ulong[256];
    ulong[] _hi = new ulong[256];
    int[] _owners = new int[256];
    int[] _maybe = new int[256];
    int _count;

    /// <summary>The value whose lookup is being planned (its index in the batch).</summary>
    public int Owner { get; set; }

    public void Reset()
    {
        Array.Clear(_tables, 0, _count); // do not keep tables of a replaced index alive
        _count = 0;
    }

    public void Note(KeyTable table, ulong lo, ulong hi)
    {
        if (_count == _tables.Length)
        {
            Array.Resize(ref _tables, _count * 2);
            Array.Resize(ref _lo, _count * 2);
            Array.Resize(ref _hi, _count * 2);
            Array.Resize(ref _owners, _count * 2);
            Array.Resize(ref _maybe, _count * 2);
        }
        _tables[_count] = table;
        _lo[_count] = lo;
        _hi[_count] = hi;
        _owners[_count++] = Owner;
    }

    /// <summary>
    /// Starts loading every noted key's tags; then reads them, which starts loading the entry of each key that may
    /// be held; then probes those keys, skipping values already matched.
    /// </summary>
    public void Run(Span<bool> matches)
    {
        for (var k = 0; k < _count; k++)
            _tables[k].Prefetch(_lo[k], _hi[k]);
        var maybe = 0;
        for (var k = 0; k < _count; k++)
            if (_tables[k].MayHold(_lo[k], _hi[k]))
                _maybe[maybe++] = k;
        for (var m = 0; m < maybe; m++)
        {
            var k = _maybe[m];
            ref var matched = ref matches[_owners[k]];
            if (!matched)
                matched = _tables[k].Probe(_lo[k], _hi[k], null);
        }
    }
}
