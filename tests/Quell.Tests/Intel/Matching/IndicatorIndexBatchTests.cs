using System.Text;
using Quell.Intel.Matching;

namespace Quell.Tests.Intel.Matching;

/// <summary>
/// <see cref="IndicatorIndex.IsMatch(ReadOnlySpan{byte}, ReadOnlySpan{Range}, Span{bool})"/> plans probes for groups of
/// values and prefetches them; it must answer exactly as one <see cref="IndicatorIndex.IsMatch(ReadOnlySpan{byte})"/>
/// per value, on the fast (canonical) and the slow (normalizing) path alike.
/// </summary>
public sealed class IndicatorIndexBatchTests
{
    static IndicatorIndex Load(IEnumerable<string> lines)
    {
        var index = new IndicatorIndex();
        index.LoadLines(new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', lines))));
        return index;
    }

    /// <summary>The values as one UTF-8 text, one per line, and the range of each.</summary>
    static (byte[] Text, Range[] Ranges) Lines(IReadOnlyList<string> values)
    {
        var text = new List<byte>();
        var ranges = new Range[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            var start = text.Count;
            text.AddRange(Encoding.UTF8.GetBytes(values[i]));
            ranges[i] = start..text.Count;
            text.Add((byte)'\n');
        }
        return ([.. text], ranges);
    }

    static bool[] Batch(IndicatorIndex index, IReadOnlyList<string> values)
    {
        var (text, ranges) = Lines(values);
        var matches = new bool[values.Count];
        // Stale answers must not survive: the batch sets every answer, true or false.
        Array.Fill(matches, true);
        index.IsMatch(text, ranges, matches);
        return matches;
    }

    [Fact]
    public void Batched_answers_equal_one_lookup_per_value()
    {
        var corpus = IndicatorIndexLoadTests.Corpus().Distinct().ToList();
        var random = new Random(7);
        var indicators = corpus.Where(_ => random.Next(3) == 0).ToList();
        var index = Load(indicators);
        // Listed values, unlisted ones, and variants that only the type-aware matcher finds (or must not find).
        var values = corpus
            .SelectMany(v => new[] { v, v.ToUpperInvariant(), "www." + v, "http://" + v + "/x", v + ".", " " + v + " ", v + "\r" })
            .ToList();
        values = [.. values.OrderBy(_ => random.Next())];

        var batched = Batch(index, values);

        var single = values.Select(v => index.IsMatch(Encoding.UTF8.GetBytes(v))).ToArray();
        Assert.True(values.Count > 1000, "the values span many groups");
        Assert.Contains(true, single);
        Assert.Contains(false, single);
        for (var i = 0; i < values.Count; i++)
            Assert.True(single[i] == batched[i], $"'{values[i]}': one lookup says {single[i]}, the batch {batched[i]}");
    }

    [Theory]
    [InlineData("www.evil.example", "WWW.Evil.Example")]
    [InlineData("www.evil.example", "www.evil.example.")]
    [InlineData("www.evil.example", "www[.]evil[.]example")]
    [InlineData("http://phish.example/login", "HTTP://Phish.Example/login")]
    [InlineData("http://phish.example/login", "hxxp://phish[.]example/login")]
    [InlineData("http://phish.example/login", "http://phish.example:80/login")]
    [InlineData("https://a.evil.example/x?y=1", "https://A.EVIL.example/x?y=1")]
    [InlineData("10.20.30.40", "10[.]20[.]30[.]40")]
    [InlineData("2001:db8:1::5", "2001:0DB8:0001:0000:0000:0000:0000:0005")]
    [InlineData("d41d8cd98f00b204e9800998ecf8427e", "D41D8CD98F00B204E9800998ECF8427E")]
    [InlineData("bad@mail.example", "BAD@Mail.Example")]
    [InlineData("bad@mail.example", "bad[@]mail[.]example")]
    public void Canonical_and_non_canonical_forms_of_a_listed_value_both_match(string canonical, string variant)
    {
        var index = Load(["evil.example", "10.0.0.0/8", "D41D8CD98F00B204E9800998ECF8427E", "hxxp://phish[.]example/login",
            "bad@mail.example", "2001:db8::/32"]);
        // Padded with unlisted values so the pair lands in a group of many, in different groups.
        var filler = Enumerable.Range(0, 40).Select(i => $"host{i}.benign.example").ToList();
        List<string> values = [canonical, .. filler, variant];

        var matches = Batch(index, values);

        Assert.True(matches[0], $"'{canonical}' matches");
        Assert.True(matches[^1], $"'{variant}' matches like '{canonical}'");
        Assert.DoesNotContain(true, matches[1..^1]);
    }

    /// <summary>A writer doubling and shifting the tables under a batch must not make it miss a value that never left.</summary>
    [Fact]
    public async Task Batches_always_find_stable_values_while_a_writer_churns_the_tables()
    {
        var index = new IndicatorIndex();
        for (var i = 1; i <= 100; i++)
            index.Add(i, "domain", $"stable{i}.example");
        List<string> values = [.. Enumerable.Range(1, 100).SelectMany(i => new[] { $"www.stable{i}.example", $"gone{i}.example" })];
        var (text, ranges) = Lines(values);

        using var stop = new CancellationTokenSource();
        var failures = 0;
        var reader = Task.Run(() =>
        {
            var matches = new bool[values.Count];
            for (var reads = 0; !stop.IsCancellationRequested || reads < 200; reads++)
            {
                index.IsMatch(text, ranges, matches);
                for (var i = 0; i < matches.Length; i++)
                    if (matches[i] != (i % 2 == 0))
                        Interlocked.Increment(ref failures);
            }
        });
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 50_000; i++)
                index.Add(1_000 + i, "domain", $"churn{i}.example");
            for (var i = 0; i < 50_000; i++)
                index.Remove(1_000 + i, "domain", $"churn{i}.example");
        }
        await stop.CancelAsync();
        await reader;

        Assert.Equal(0, failures);
    }
}
