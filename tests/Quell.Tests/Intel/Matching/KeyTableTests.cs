using Quell.Intel.Matching;

namespace Quell.Tests.Intel.Matching;

/// <summary>
/// The key table against a dictionary under random adds and removes. Keys are drawn from a small range so that
/// runs collide and backward-shift deletion moves entries (and their tags) around; the tags must never say a held
/// key is absent.
/// </summary>
public sealed class KeyTableTests
{
    [Fact]
    public void Probe_and_the_tags_agree_with_a_dictionary_under_random_adds_and_removes()
    {
        var random = new Random(7);
        var table = new KeyTable();
        var model = new Dictionary<(ulong, ulong), HashSet<long>>();
        for (var step = 0; step < 60_000; step++)
        {
            // Few distinct keys, some sharing their low half: long probe runs, many shifts.
            var key = ((ulong)random.Next(3_000), (ulong)random.Next(4));
            var id = random.Next(1, 4);
            if (random.Next(3) == 0)
            {
                var held = model.TryGetValue(key, out var ids) && ids.Remove(id);
                Assert.Equal(held, table.Remove(key.Item1, key.Item2, id));
                if (ids is { Count: 0 })
                    model.Remove(key);
            }
            else
            {
                var added = (model.TryGetValue(key, out var ids) ? ids : model[key] = []).Add(id);
                Assert.Equal(added, table.Add(key.Item1, key.Item2, id));
            }

            if (step % 1_000 != 999)
                continue;
            Assert.Equal(model.Count, table.Count);
            for (ulong lo = 0; lo < 3_000; lo++)
                for (ulong hi = 0; hi < 4; hi++)
                {
                    var found = new List<long>();
                    var held = table.Probe(lo, hi, found);
                    Assert.Equal(model.TryGetValue((lo, hi), out var expected), held);
                    Assert.Equal(held, table.Probe(lo, hi, null));
                    if (held)
                    {
                        Assert.True(table.MayHold(lo, hi), $"the tags say ({lo}, {hi}) is absent");
                        Assert.Equal(expected!.Order(), found.Order());
                    }
                }
        }
    }
}
