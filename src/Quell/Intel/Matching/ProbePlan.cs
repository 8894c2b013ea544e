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
    int _maybeCount;

    /// <summary>The value whose lookup is being planned (its index in the batch).</summary>
    public int Owner { get; set; }

    public void Reset()
    {
        Array.Clear(_tables, 0, _count); // do not keep tables of a replaced index alive
        _count = 0;
        _maybeCount = 0;
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
        // The tags start loading now, while the rest of the batch is planned: by the time they are read, most are cached.
        table.Prefetch(lo, hi);
        _tables[_count] = table;
        _lo[_count] = lo;
        _hi[_count] = hi;
        _owners[_count++] = Owner;
    }

    /// <summary>Reads the noted keys' tags (each starts loading the entry of a key that may be held), then probes those keys.</summary>
    public void Run(Span<bool> matches)
    {
        Filter();
        Probe(matches);
    }

    /// <summary>
    /// Keeps the keys whose tags say they may be held, and starts loading their entries: a caller with other work
    /// to do (the next batch) does it before <see cref="Probe"/>, so the entries arrive meanwhile.
    /// </summary>
    public void Filter()
    {
        var maybe = 0;
        for (var k = 0; k < _count; k++)
            if (_tables[k].MayHold(_lo[k], _hi[k]))
                _maybe[maybe++] = k;
        _maybeCount = maybe;
    }

    /// <summary>Probes the keys <see cref="Filter"/> kept, skipping values already matched.</summary>
    public void Probe(Span<bool> matches)
    {
        for (var m = 0; m < _maybeCount; m++)
        {
            var k = _maybe[m];
            ref var matched = ref matches[_owners[k]];
            if (!matched)
                matched = _tables[k].Probe(_lo[k], _hi[k], null);
        }
    }
}
