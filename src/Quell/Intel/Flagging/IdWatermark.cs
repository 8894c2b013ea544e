namespace Quell.Intel.Flagging;

/// <summary>
/// How far the flagger has read a table by id, and which ids below that it has not seen yet. On PostgreSQL ids are
/// handed out when a row is inserted, not when it commits: a transaction holding id 100 can commit after one holding
/// 105, so reading "ids above the last one seen" would skip 100 for good. Each id skipped over is kept as a gap and
/// read again on later passes until it appears or <see cref="GapLifetime"/> passes (its transaction rolled back, or
/// the row was deleted). The durable position is just below the oldest open gap: after a restart everything above it
/// is read again, which only repeats flags already recorded.
/// </summary>
public sealed class IdWatermark
{
    /// <summary>A transaction that inserts rows runs for seconds; an id missing this long is never coming.</summary>
    public static readonly TimeSpan GapLifetime = TimeSpan.FromMinutes(10);

    /// <summary>Gaps kept apart; beyond this the closest two merge (re-reading the ids between them repeats nothing harmful).</summary>
    public const int MaxGaps = 64;

    readonly List<Gap> _gaps = [];

    /// <summary>Ids <see cref="From"/>..<see cref="To"/> were skipped over at <see cref="Since"/> (Unix ms).</summary>
    public readonly record struct Gap(long From, long To, long Since);

    public IdWatermark(long position) => High = position;

    /// <summary>The highest id seen.</summary>
    public long High { get; private set; }

    public IReadOnlyList<Gap> Gaps => _gaps;

    /// <summary>Every id up to this one has been seen or given up on: where to start again after a restart.</summary>
    public long Durable => _gaps.Count == 0 ? High : _gaps[0].From - 1;

    /// <summary>Ids read above <see cref="High"/>, ascending: the ids jumped over become gaps.</summary>
    public void Advance(IReadOnlyList<long> ids, long now)
    {
        foreach (var id in ids)
        {
            if (id <= High)
                continue;
            if (id > High + 1)
                _gaps.Add(new Gap(High + 1, id - 1, now));
            High = id;
        }
        Bound();
    }

    /// <summary>Ids found inside gaps: each splits its gap around itself.</summary>
    public void Filled(IReadOnlyCollection<long> ids)
    {
        if (ids.Count == 0)
            return;
        var found = ids.Order().ToArray();
        var kept = new List<Gap>(_gaps.Count);
        foreach (var gap in _gaps)
        {
            var from = gap.From;
            var i = Array.BinarySearch(found, gap.From);
            for (i = i < 0 ? ~i : i; i < found.Length && found[i] <= gap.To; i++)
            {
                if (found[i] > from)
                    kept.Add(gap with { From = from, To = found[i] - 1 });
                from = found[i] + 1;
            }
            if (from <= gap.To)
                kept.Add(gap with { From = from });
        }
        _gaps.Clear();
        _gaps.AddRange(kept);
    }

    /// <summary>Gives up on gaps older than <see cref="GapLifetime"/>.</summary>
    public void Expire(long now) => _gaps.RemoveAll(g => now - g.Since > (long)GapLifetime.TotalMilliseconds);

    void Bound()
    {
        while (_gaps.Count > MaxGaps)
        {
            var closest = 0;
            for (var i = 1; i < _gaps.Count - 1; i++)
                if (_gaps[i + 1].From - _gaps[i].To < _gaps[closest + 1].From - _gaps[closest].To)
                    closest = i;
            var (a, b) = (_gaps[closest], _gaps[closest + 1]);
            _gaps[closest] = new Gap(a.From, b.To, Math.Min(a.Since, b.Since));
            _gaps.RemoveAt(closest + 1);
        }
    }
}
