using Quell.Detection.Sigma;

namespace Quell.Tests.Detection.Sigma;

/// <summary>The automaton against a plain case-insensitive search, with needles mixing ASCII and other characters.</summary>
public sealed class AhoCorasickTests
{
    // Non-ASCII characters take the trie-and-failure-link path; their case twins must still be found.
    const string Alphabet = "ab\\.-é€üжÉÜЖAB";

    // Characters whose upper case is another letter's (long s and dotless i are S and I, final sigma is Σ) and a
    // Kelvin sign, which is no case twin of K: the rules compare with OrdinalIgnoreCase, and the prefilter must not be
    // stricter than the rule's own test, or an attacker's "ſystem32" slips past a rule on "system32".
    const string CaseTwins = "sSiIkKſıςσΣ\u212A";

    static string Random(Random random, int min, int max, string alphabet = Alphabet)
    {
        var chars = new char[random.Next(min, max + 1)];
        for (var i = 0; i < chars.Length; i++)
            chars[i] = alphabet[random.Next(alphabet.Length)];
        return new string(chars);
    }

    [Theory]
    [InlineData(Alphabet)]
    [InlineData(CaseTwins)]
    public void Finds_exactly_the_needles_a_plain_search_finds(string alphabet)
    {
        var random = new Random(7);
        for (var round = 0; round < 200; round++)
        {
            var needles = Enumerable.Range(0, random.Next(1, 40)).Select(_ => Random(random, 1, 5, alphabet)).Distinct().ToList();
            var automaton = new AhoCorasick(needles);
            var seen = new int[needles.Count];
            for (var t = 0; t < 20; t++)
            {
                var text = Random(random, 0, 60, alphabet);
                var found = new List<int>();
                automaton.Search(text, found, seen, round * 100 + t + 1);
                var expected = Enumerable.Range(0, needles.Count).Where(n => text.Contains(needles[n], StringComparison.OrdinalIgnoreCase)).ToList();
                Assert.Equal(expected, found.Order().ToList());
            }
        }
    }

    [Fact]
    public void Numbers_and_booleans_are_scanned_only_when_a_needle_can_occur_in_them()
    {
        Assert.False(new AhoCorasick(["mimikatz", "::"]).CanMatchNumbers);
        Assert.False(new AhoCorasick(["mimikatz", "::"]).CanMatchBooleans);
        Assert.True(new AhoCorasick(["mimikatz", "4688"]).CanMatchNumbers);
        Assert.True(new AhoCorasick(["1e-7"]).CanMatchNumbers);
        Assert.True(new AhoCorasick(["RU"]).CanMatchBooleans);
        Assert.True(new AhoCorasick(["als"]).CanMatchBooleans);
    }
}
