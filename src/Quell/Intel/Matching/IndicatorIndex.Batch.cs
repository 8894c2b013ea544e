namespace Quell.Intel.Matching;

/// <summary>
/// Looking many values up at once. One lookup at a time waits for a cache miss on every probe (the tables hold
/// tens of megabytes); here the probes of a group of values are planned first (<see cref="ProbePlan"/>), their slots
/// prefetched together, then probed, so the misses overlap. The answers are those of <see cref="IsMatch(ReadOnlySpan{byte})"/>.
/// </summary>
public sealed partial class IndicatorIndex
{
    /// <summary>Values planned and probed together: enough misses in flight to fill the CPU's queues, few enough to stay in L1.</summary>
    const int BatchValues = 32;

    /// <summary>
    /// Sets <c>matches[i]</c> to whether the raw value <c>utf8[values[i]]</c> matches any indicator, as
    /// <see cref="IsMatch(ReadOnlySpan{byte})"/> would say for each.
    /// </summary>
    /// <remarks>
    /// Two groups are in flight: a group is planned (its tags start loading) and filtered by its tags (the entries
    /// of its possible hits start loading), then the previous group's possible hits are probed, their entries
    /// fetched while this group was filtered. A group's answers stand when the index's version did not change
    /// from the start of its planning to the end of its probes (the seqlock read of <c>Read</c>); otherwise the
    /// group is looked up again on its own.
    /// </remarks>
    public void IsMatch(ReadOnlySpan<byte> utf8, ReadOnlySpan<Range> values, Span<bool> matches)
    {
        if (matches.Length < values.Length)
            throw new ArgumentException($"matches holds {matches.Length} answers for {values.Length} values", nameof(matches));
        var (plan, previous) = (new ProbePlan(), new ProbePlan());
        int previousStart = -1, previousVersion = 0;
        for (var start = 0; start < values.Length; start += BatchValues)
        {
            var batch = values.Slice(start, Math.Min(BatchValues, values.Length - start));
            var version = Volatile.Read(ref _version);
            if ((version & 1) == 0)
            {
                matches.Slice(start, batch.Length).Clear();
                Plan(utf8, batch, plan);
                plan.Filter();
            }
            if (previousStart >= 0)
                Finish(utf8, values, matches, previous, previousStart, previousVersion);
            previousStart = -1;
            if ((version & 1) != 0)
            {
                LookUpAlone(utf8, batch, matches.Slice(start, batch.Length), plan);
                continue;
            }
            (plan, previous, previousStart, previousVersion) = (previous, plan, start, version);
        }
        if (previousStart >= 0)
            Finish(utf8, values, matches, previous, previousStart, previousVersion);
    }

    void Plan(ReadOnlySpan<byte> utf8, ReadOnlySpan<Range> batch, ProbePlan plan)
    {
        plan.Reset();
        for (var i = 0; i < batch.Length; i++)
        {
            plan.Owner = i;
            Lookup(utf8[batch[i]], plan);
        }
    }

    /// <summary>Probes a filtered group; if a write overlapped it since its planning began, looks it up again alone.</summary>
    void Finish(ReadOnlySpan<byte> utf8, ReadOnlySpan<Range> values, Span<bool> matches, ProbePlan plan, int start, int version)
    {
        var length = Math.Min(BatchValues, values.Length - start);
        var answers = matches.Slice(start, length);
        plan.Probe(answers);
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _version) != version)
            LookUpAlone(utf8, values.Slice(start, length), answers, plan);
    }

    /// <summary>One group planned and probed at once, retried until no write overlaps it.</summary>
    void LookUpAlone(ReadOnlySpan<byte> utf8, ReadOnlySpan<Range> batch, Span<bool> answers, ProbePlan plan)
    {
        var spin = new SpinWait();
        while (true)
        {
            var version = Volatile.Read(ref _version);
            if ((version & 1) == 0)
            {
                answers.Clear();
                Plan(utf8, batch, plan);
                plan.Run(answers);
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref _version) == version)
                    return;
            }
            spin.SpinOnce();
        }
    }

    /// <summary>Every probe of a lookup goes through here, so that a <see cref="ProbePlan"/> can note it instead.</summary>
    static bool ProbeKey(KeyTable table, ulong lo, ulong hi, List<long>? ids)
    {
        if (ids is ProbePlan plan)
        {
            plan.Note(table, lo, hi);
            return false;
        }
        return table.Probe(lo, hi, ids);
    }
}
