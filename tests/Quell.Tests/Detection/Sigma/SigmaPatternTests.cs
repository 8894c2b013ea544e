using System.Text;
using System.Text.RegularExpressions;
using Quell.Detection.Sigma;

namespace Quell.Tests.Detection.Sigma;

/// <summary>Wildcards and the Sigma specification's escaping rules.</summary>
public sealed class SigmaPatternTests
{
    static bool IsMatch(string pattern, string text) => new SigmaStringMatcher(SigmaPattern.Parse(pattern), cased: false).IsMatch(text);

    [Theory]
    [InlineData(@"C:\Windows\System32", @"c:\windows\system32", true)] // a backslash before a plain character is itself
    [InlineData(@"C:\Windows\*", @"C:\Windows*", true)] // ...but before a star it escapes it
    [InlineData(@"C:\Windows\*", @"C:\Windows\System32", false)]
    [InlineData(@"C:\\Windows\\*", @"C:\Windows\x", true)] // a doubled backslash is one backslash
    [InlineData(@"a\*b", "a*b", true)] // escaped star is literal
    [InlineData(@"a\*b", "axb", false)]
    [InlineData(@"a\?b", "a?b", true)]
    [InlineData(@"a\?b", "axb", false)]
    [InlineData(@"a\\*", @"a\anything", true)] // escaped backslash, then a wildcard
    [InlineData(@"a\\*", "a", false)]
    [InlineData(@"a\\\*", @"a\*", true)] // escaped backslash, then an escaped star
    [InlineData(@"a\\\*", @"a\x", false)]
    [InlineData(@"end\", @"end\", true)] // a trailing backslash is plain
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "ac", false)]
    [InlineData("*.exe", "EVIL.EXE", true)]
    [InlineData("*", "", true)]
    [InlineData("", "", true)]
    [InlineData("", "x", false)]
    [InlineData("a*b*c", "aXbYbZc", true)]
    [InlineData("a*b*c", "aXbYbZ", false)]
    [InlineData("*?", "", false)]
    [InlineData("*??x", "abx", true)]
    [InlineData("*??x", "ax", false)]
    public void Wildcards_and_escapes_follow_the_specification(string pattern, string text, bool expected) =>
        Assert.Equal(expected, IsMatch(pattern, text));

    [Theory]
    [InlineData(@"C:\Windows\*", @"C:\\Windows\*")]
    [InlineData(@"C:\Windows\\*", @"C:\\Windows\\*")]
    [InlineData(@"a\*b", @"a\*b")]
    [InlineData(@"a\\*", @"a\\*")]
    public void Escaping_round_trips(string pattern, string expected) =>
        Assert.Equal(expected, SigmaPattern.Parse(pattern).ToString());

    /// <summary>Property: the glob matcher agrees with a regular expression built from the same tokens.</summary>
    [Fact]
    public void Glob_matcher_agrees_with_a_regex_reference_on_random_inputs()
    {
        var random = new Random(5);
        const string alphabet = "ab*?\\";
        for (var i = 0; i < 20_000; i++)
        {
            var pattern = RandomString(random, alphabet, 8);
            var text = RandomString(random, "abAB*?\\", 10);
            var parsed = SigmaPattern.Parse(pattern);
            var regex = new StringBuilder("^");
            foreach (var t in parsed.Tokens)
                regex.Append(t.Literal is { } l ? Regex.Escape(l) : t.Star ? ".*" : ".");
            regex.Append('$');
            var expected = Regex.IsMatch(text, regex.ToString(), RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant);
            Assert.True(expected == new SigmaStringMatcher(parsed, cased: false).IsMatch(text), $"pattern '{pattern}' text '{text}': expected {expected}");
        }
    }

    static string RandomString(Random random, string alphabet, int max)
    {
        var chars = new char[random.Next(max + 1)];
        for (var i = 0; i < chars.Length; i++)
            chars[i] = alphabet[random.Next(alphabet.Length)];
        return new string(chars);
    }
}
