using Quell.Intel.Matching;

namespace Quell.Tests.Intel.Matching;

public sealed class IndicatorIndexConcurrencyTests
{
    /// <summary>
    /// Deletions shift entries back and growth swaps arrays: a reader without the version check would miss entries
    /// that never left. Readers here must always find the stable indicators, with exactly their ids, while a writer
    /// churns many others through the same tables.
    /// </summary>
    [Fact]
    public async Task Readers_always_see_stable_indicators_while_a_writer_adds_and_removes_others()
    {
        var index = new IndicatorIndex();
        var stable = Enumerable.Range(1, 200).Select(i => (Id: (long)i, Domain: $"stable{i}.example", Md5: i.ToString("x32"))).ToList();
        foreach (var (id, domain, md5) in stable)
        {
            index.Add(id, "domain", domain);
            index.Add(id, "md5", md5);
        }
        // One key shared by two indicators: readers must see both ids, never one or a stale one.
        index.Add(1_000_000, "imphash", stable[0].Md5);

        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var ids = new List<long>();
            var reads = 0;
            while (!stop.IsCancellationRequested || reads < 10_000)
            {
                var (id, domain, md5) = stable[reads++ % stable.Count];
                ids.Clear();
                if (!index.Match("www." + domain, ids) || ids.Count != 1 || ids[0] != id)
                    lock (failures)
                        failures.Add($"{domain}: [{string.Join(',', ids)}]");
                ids.Clear();
                index.Match(md5, ids);
                var expected = id == 1 ? new long[] { 1, 1_000_000 } : [id];
                // The writer adds and removes a third indicator on the shared key: both states are consistent.
                if (!ids.Order().SequenceEqual(expected) && !(id == 1 && ids.Order().SequenceEqual([1, 1_000_000, 2_000_000])))
                    lock (failures)
                        failures.Add($"{md5}: [{string.Join(',', ids)}]");
            }
        })).ToArray();

        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 50_000; i++)
            {
                index.Add(10_000 + i, "domain", $"churn{i}.example");
                index.Add(10_000 + i, "md5", (100_000 + i).ToString("x32"));
            }
            for (var i = 0; i < 50_000; i++)
            {
                index.Remove(10_000 + i, "domain", $"churn{i}.example");
                index.Remove(10_000 + i, "md5", (100_000 + i).ToString("x32"));
                index.Add(2_000_000, "ja3-fingerprint-md5", stable[0].Md5);
                index.Remove(2_000_000, "ja3-fingerprint-md5", stable[0].Md5);
            }
        }
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Empty(failures.Take(5));
        Assert.Equal(401, index.Count);
    }
}
