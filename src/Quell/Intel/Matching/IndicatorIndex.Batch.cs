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
    public void IsMatch(ReadOnlySpan<byte> utf8, ReadOnlySpan<Range> values, Span<bool> matches)
    {
        if (matches.Length < values.Length)
            throw new ArgumentException($"matches holds {matches.Length} answers for {values.Length} values", nameof(matches));
        var plan = new ProbePlan();
        for (var start = 0; start < values.Length; start += BatchValues)
        {
            var batch = values.Slice(start, Math.Min(BatchValues, values.Length - start));
            var answers = matches.Slice(start, batch.Length);
            // The seqlock read of Read, once per group: retry the group when a write overlapped it.
            var spin = new SpinWait();
            while (true)
            {
                var version = Volatile.Read(ref _version);
                if ((version & 1) == 0)
                {
                    plan.Reset();
                    answers.Clear();
                    for (var i = 0; i < batch.Length; i++)
                    {
                        plan.Owner = i;
                        Lookup(utf8[batch[i]], plan);
                    }
                    plan.Run(answers);
                    Interlocked.MemoryBarrier();
                    if (Volatile.Read(ref _version) == version)
                        break;
                }
                spin.SpinOnce();
            }
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
