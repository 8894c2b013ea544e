using Quell.Intel.Flagging;

namespace Quell.Tests.Intel.Flagging;

public sealed class IdWatermarkTests
{
    [Fact]
    public void Ids_jumped_over_become_gaps_and_the_durable_position_stays_below_the_oldest()
    {
        var mark = new IdWatermark(10);
        mark.Advance([11, 12, 15, 16, 20], now: 1000);

        Assert.Equal(20, mark.High);
        Assert.Equal([(13L, 14L), (17L, 19L)], mark.Gaps.Select(g => (g.From, g.To)));
        Assert.Equal(12, mark.Durable);
    }

    [Fact]
    public void Ids_found_in_a_gap_split_it_and_a_filled_gap_goes()
    {
        var mark = new IdWatermark(0);
        mark.Advance([1, 10], now: 0);
        mark.Filled([4, 5, 9]);

        Assert.Equal([(2L, 3L), (6L, 8L)], mark.Gaps.Select(g => (g.From, g.To)));
        mark.Filled([2, 3, 6, 7, 8]);
        Assert.Empty(mark.Gaps);
        Assert.Equal(10, mark.Durable);
    }

    [Fact]
    public void A_gap_is_given_up_after_its_lifetime()
    {
        var mark = new IdWatermark(0);
        mark.Advance([1, 5], now: 0);
        var lifetime = (long)IdWatermark.GapLifetime.TotalMilliseconds;

        mark.Expire(lifetime);
        Assert.Single(mark.Gaps);
        mark.Expire(lifetime + 1);
        Assert.Empty(mark.Gaps);
        Assert.Equal(5, mark.Durable);
    }

    [Fact]
    public void Too_many_gaps_merge_the_closest_ones_and_lose_none_of_their_ids()
    {
        var mark = new IdWatermark(0);
        var ids = Enumerable.Range(1, IdWatermark.MaxGaps + 10).Select(i => (long)i * 10 + (i % 3 == 0 ? 5 : 0)).ToList();
        mark.Advance(ids, now: 0);

        Assert.Equal(IdWatermark.MaxGaps, mark.Gaps.Count);
        var seen = ids.ToHashSet();
        var missing = Enumerable.Range(1, (int)mark.High).Select(i => (long)i).Where(i => !seen.Contains(i));
        Assert.All(missing, id => Assert.Contains(mark.Gaps, g => g.From <= id && id <= g.To));
        Assert.Equal(mark.Gaps.OrderBy(g => g.From), mark.Gaps);
    }
}
