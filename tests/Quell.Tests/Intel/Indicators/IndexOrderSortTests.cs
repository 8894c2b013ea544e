using Quell.Observables;
using Quell.Intel.Indicators;

namespace Quell.Tests.Intel.Indicators;

public sealed class IndexOrderSortTests
{
    static PendingIndicator Item(string type, string value) =>
        new() { Type = type, Value = value, Category = "Network activity", ToIds = true, Tlp = Tlp.Amber };

    [Fact]
    public void Sorted_runs_are_in_value_then_type_order_whatever_the_characters()
    {
        // Values that share long prefixes, are prefixes of each other, hold characters above U+00FE (the key's limit)
        // or differ only by type: the key must never order two values against their ordinal order.
        var alphabet = new[] { 'a', 'b', 'z', '0', '.', '/', ':', 'é', 'ÿ', 'Ā', 'ā', '中', '\uFFFD' };
        var random = new Random(7);
        var items = new List<PendingIndicator>();
        for (var n = 0; n < 20_000; n++)
        {
            var length = random.Next(0, 12);
            var chars = new char[length];
            for (var i = 0; i < length; i++)
                chars[i] = alphabet[random.Next(alphabet.Length)];
            var value = new string(chars);
            items.Add(Item(random.Next(3) switch { 0 => "domain", 1 => "hostname", _ => "url" }, value));
        }
        items.Add(Item("url", "http://a.example/"));
        items.Add(Item("domain", "http://a.example/"));
        items.Add(Item("url", "http://a.example"));

        var expected = items.ToList();
        expected.Sort(IndexOrderSort.Compare);
        IndexOrderSort.Sort(items);

        Assert.Equal(expected.Select(i => (i.Value, i.Type)), items.Select(i => (i.Value, i.Type)));
    }

    [Theory]
    [InlineData("ab", "abc")]
    [InlineData("abcdefgh", "abcdefgi")]
    [InlineData("abcdefgh1", "abcdefgh2")]
    [InlineData("aĀz", "aāa")]
    [InlineData("", "a")]
    public void A_key_orders_no_pair_against_the_strings(string lower, string higher)
    {
        Assert.True(string.CompareOrdinal(lower, higher) < 0);
        Assert.True(IndexOrderSort.Prefix(lower) <= IndexOrderSort.Prefix(higher));
    }
}
