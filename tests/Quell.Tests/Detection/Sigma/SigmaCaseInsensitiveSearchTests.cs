using Quell.Detection.Sigma;

namespace Quell.Tests.Detection.Sigma;

/// <summary>
/// Case-insensitive <c>contains</c> and glob segments search through <c>SearchValues</c> (decision 197); they must find
/// exactly what <c>IndexOf(…, OrdinalIgnoreCase)</c> finds, including the characters whose upper case is ASCII (ı, ſ),
/// the Kelvin sign, final sigma and surrogate pairs.
/// </summary>
public sealed class SigmaCaseInsensitiveSearchTests
{
    // ASCII letters and their tricky neighbours: 'ı' and 'ſ' upper-case to 'I' and 'S', the Kelvin sign is not 'k',
    // 'İ' has no simple lower case in ordinal casing, and a Deseret letter pair (𐐀/𐐨) is a surrogate pair.
    static readonly string[] Pieces = ["a", "B", "i", "I", "ı", "İ", "s", "S", "ſ", "k", "K", "\u212A", "σ", "Σ", "ς", "ß", "\\", "/", " ", ".", "\U00010400", "\U00010428", "\uD801"];

    [Fact]
    public void Contains_finds_what_ordinal_ignore_case_finds()
    {
        var random = new Random(197);
        for (var i = 0; i < 30_000; i++)
        {
            var needle = Text(random, 1, 4);
            var text = Text(random, 0, 12);
            var expected = text.AsSpan().Contains(needle, StringComparison.OrdinalIgnoreCase);
            var matcher = new SigmaStringMatcher(SigmaPattern.Literal(needle).Contains(), cased: false);
            Assert.True(expected == matcher.IsMatch(text), $"needle '{Escape(needle)}' text '{Escape(text)}': expected {expected}");
        }
    }

    [Fact]
    public void Glob_middle_segments_find_what_ordinal_ignore_case_finds()
    {
        var random = new Random(198);
        for (var i = 0; i < 30_000; i++)
        {
            var a = Text(random, 1, 3);
            var b = Text(random, 1, 3);
            var text = Text(random, 0, 12);
            // '*a*b*' holds when a occurs and b occurs after it (leftmost a leaves the most room for b).
            var at = text.IndexOf(a, StringComparison.OrdinalIgnoreCase);
            var expected = at >= 0 && text.AsSpan(at + a.Length).Contains(b, StringComparison.OrdinalIgnoreCase);
            var pattern = SigmaPattern.Parse($"*{SigmaPattern.Escape(a)}*{SigmaPattern.Escape(b)}*");
            Assert.True(expected == new SigmaStringMatcher(pattern, cased: false).IsMatch(text), $"'*{Escape(a)}*{Escape(b)}*' text '{Escape(text)}': expected {expected}");
        }
    }

    [Theory]
    [InlineData("CommandLine|contains: ['POWERSHELL', 'WHOAMI -ALL', 'certutil']", true)] // merged into one search
    [InlineData("CommandLine|contains: ['powershell', 'certutil']", false)]
    [InlineData("CommandLine|contains: ['powershell', 'cert*util', '/C W']", true)] // a glob stays beside the merged search
    [InlineData("CommandLine|contains: ['powershell', 'certutil', 'D:\\WINDOWS*']", false)]
    [InlineData("Tags|contains: ['gamma', 'zeta']", true)] // any item of an array
    [InlineData("Tags|contains: ['delta', 'zeta']", false)]
    [InlineData("Missing|contains: ['a', 'b']", false)]
    [InlineData("Port|contains: ['44', '99']", true)] // a number's text, as one contains test reads it
    public void A_list_of_contains_values_matches_as_its_values_do_one_by_one(string item, bool expected)
    {
        const string json = """{"CommandLine": "C:\\Windows\\System32\\cmd.exe /c whoami -All", "Tags": ["alpha", "Gamma-1"], "Port": 443}""";
        Assert.Equal(expected, SigmaTestRules.Matches($"selection:\n  {item}\ncondition: selection", json));
        // The same values as separate selections ORed: each one evaluated alone, without the merged search.
        var field = item[..item.IndexOf(':')];
        var values = item[(item.IndexOf('[') + 1)..item.LastIndexOf(']')].Split(", ");
        var selections = string.Concat(values.Select((v, i) => $"s{i}:\n  {field}: {v}\n"));
        Assert.Equal(expected, SigmaTestRules.Matches($"{selections}condition: 1 of s*", json));
    }

    [Fact]
    public void Cased_contains_stays_ordinal()
    {
        var matcher = new SigmaStringMatcher(SigmaPattern.Literal("Whoami").Contains(), cased: true);
        Assert.True(matcher.IsMatch("cmd /c Whoami /all"));
        Assert.False(matcher.IsMatch("cmd /c whoami /all"));
    }

    static string Text(Random random, int min, int max)
    {
        var n = random.Next(min, max + 1);
        var parts = new string[n];
        for (var i = 0; i < n; i++)
            parts[i] = Pieces[random.Next(Pieces.Length)];
        return string.Concat(parts);
    }

    static string Escape(string s) => string.Concat(s.Select(c => c < 128 && !char.IsControl(c) ? c.ToString() : $"\\u{(int)c:X4}"));
}
