using System.Text.RegularExpressions;
using Quell.Detection.Sigma;
using Quell.Tests.Support;
using Xunit.Abstractions;

namespace Quell.Tests.Detection.Sigma;

/// <summary>The text a regular expression requires, which lets the prefilter skip regex-only rules.</summary>
public sealed class SigmaRegexLiteralTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(@"ipconfig\s+/all", RegexOptions.None, "ipconfig")]
    [InlineData(@"netsh\s+interface show interface", RegexOptions.None, "interface show interface")]
    [InlineData(@"\$PSHome\[\s*\d{1,3}\s*\]\s*\+\s*\$PSHome\[", RegexOptions.None, "$PSHome[")]
    [InlineData(@"\n\n\n\n\n\n", RegexOptions.None, "\n\n\n\n\n\n")]
    [InlineData(@"abc?def", RegexOptions.None, "def")] // the optional 'c' ends the run "ab"
    [InlineData(@"abcd*ef", RegexOptions.None, "abc")]
    [InlineData(@"abcd{0,3}ef", RegexOptions.None, "abc")]
    [InlineData(@"abcd{2}e", RegexOptions.None, "abcd")] // the required 'd' is kept, the run ends after it
    [InlineData(@"abcd+?x", RegexOptions.None, "abcd")]
    [InlineData(@"(foo|bar)bazz", RegexOptions.None, "bazz")]
    [InlineData(@"(?:longer text)ab", RegexOptions.None, "ab")] // groups are skipped, even when they hold text
    [InlineData(@"[a-z]+\.exe[""']", RegexOptions.None, ".exe")]
    [InlineData(@"[]x]yz", RegexOptions.None, "yz")]
    [InlineData(@"\x41\u0042c", RegexOptions.None, "ABc")]
    [InlineData(@"\\Windows\\Temp\\.", RegexOptions.None, @"\Windows\Temp\")]
    [InlineData(@"mask\d+", RegexOptions.None, "mask")]
    [InlineData(@"mask\d+", RegexOptions.IgnoreCase, "ma")] // Unicode folds s and k more widely than the prefilter
    [InlineData(@"(?i)werfaultsecure\.exe", RegexOptions.None, "ecure.exe")]
    [InlineData(@"\p{L}abc\k<n>de", RegexOptions.None, "abc")]
    [InlineData(@"foo|barbaz", RegexOptions.None, null)] // a top-level alternative: nothing is certain
    [InlineData(@"(?x) a b c", RegexOptions.None, null)]
    [InlineData(@"abc", RegexOptions.IgnorePatternWhitespace, null)]
    [InlineData(@"[abc", RegexOptions.None, null)]
    [InlineData(@"\d+", RegexOptions.None, null)]
    [InlineData(@"a{,2}bc", RegexOptions.None, null)] // a literal '{': not read
    [InlineData(@"über", RegexOptions.None, "ber")]
    public void Finds_the_longest_required_text(string pattern, RegexOptions options, string? expected) =>
        Assert.Equal(expected, SigmaRegexLiteral.Of(pattern, options));

    /// <summary>
    /// Every regular expression in SigmaHQ's rules, run on every value of the regression events (and the values with
    /// the literal's case changed): wherever the regex matches, its required text occurs (case-insensitively).
    /// </summary>
    [Fact]
    public void The_required_text_occurs_wherever_SigmaHQ_regexes_match()
    {
        var regexes = new List<Regex>();
        foreach (var dir in new[] { "rules", "rules-emerging-threats", "rules-threat-hunting" })
            foreach (var file in Directory.EnumerateFiles(TestData.Shared("sigma", dir), "*.yml", SearchOption.AllDirectories))
                if (File.ReadAllText(file).Contains("|re", StringComparison.Ordinal))
                    regexes.AddRange(RegexesOf(file));
        regexes = [.. regexes.DistinctBy(r => (r.ToString(), r.Options))];
        var values = new List<string>();
        foreach (var file in Directory.EnumerateFiles(TestData.Shared("sigma", "regression_data"), "*.json", SearchOption.AllDirectories))
            foreach (var json in SigmaEventReader.ReadAll(File.ReadAllBytes(file)))
                foreach (var v in new JsonSigmaEvent(json).AllValues)
                    if (v.IsScalar)
                        values.Add(v.Text);
        values = [.. values.Distinct()];
        int withText = 0, hits = 0;
        foreach (var regex in regexes)
        {
            if (SigmaRegexLiteral.Of(regex.ToString(), regex.Options) is not { } required)
                continue;
            withText++;
            foreach (var value in values)
                if (regex.IsMatch(value))
                {
                    hits++;
                    Assert.True(value.Contains(required, StringComparison.OrdinalIgnoreCase), $"/{regex}/ matches '{value}' without '{required}'");
                }
        }
        output.WriteLine($"{regexes.Count} distinct regexes, {withText} with a required text, {hits} matching values checked");
        Assert.True(withText > regexes.Count / 2, $"only {withText} of {regexes.Count} regexes have a required text");
        Assert.True(hits > 100, $"only {hits} matching values: the check proves little");
    }

    static IEnumerable<Regex> RegexesOf(string file)
    {
        var loaded = SigmaRuleLoader.LoadFiles([file]);
        foreach (var rule in loaded.Rules)
            foreach (var regex in Patterns(rule.Detection))
                yield return regex;
    }

    static IEnumerable<Regex> Patterns(SigmaNode node) => node switch
    {
        SigmaNode.And and => and.Children.SelectMany(Patterns),
        SigmaNode.Or or => or.Children.SelectMany(Patterns),
        SigmaNode.Field f => f.Matchers.OfType<SigmaValueMatcher.Pattern>().Select(p => p.Regex),
        SigmaNode.Keywords k => k.Matchers.OfType<SigmaValueMatcher.Pattern>().Select(p => p.Regex),
        _ => [],
    };
}
