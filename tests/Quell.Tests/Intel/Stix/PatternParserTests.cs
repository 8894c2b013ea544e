using Quell.Intel.Stix;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Stix;

public class PatternParserTests
{
    public static TheoryData<string> SpecExamples()
    {
        var data = new TheoryData<string>();
        foreach (var line in File.ReadLines(TestData.Shared("stix", "pattern-spec-examples.txt")))
            if (line.Trim().Length > 0)
                data.Add(line);
        return data;
    }

    [Theory]
    [MemberData(nameof(SpecExamples))]
    public void Every_pattern_of_the_spec_examples_parses(string pattern)
    {
        var ast = PatternParser.Parse(pattern);
        // The canonical text parses again to the same text: the tree holds everything the pattern said.
        Assert.Equal(ast.ToString(), PatternParser.Parse(ast.ToString()).ToString());
    }

    [Fact]
    public void The_spec_examples_file_holds_23_patterns() => Assert.Equal(23, SpecExamples().Count);

    [Fact]
    public void Precedence_is_followedby_then_or_then_and()
    {
        var ast = PatternParser.Parse("[a-b:x = 1] AND [a-b:x = 2] OR [a-b:x = 3] FOLLOWEDBY [a-b:x = 4]");
        var followed = Assert.IsType<ObservationJoin>(ast);
        Assert.Equal("FOLLOWEDBY", followed.Operator);
        var or = Assert.IsType<ObservationJoin>(followed.Operands[0]);
        Assert.Equal("OR", or.Operator);
        Assert.Equal("AND", Assert.IsType<ObservationJoin>(or.Operands[0]).Operator);

        var cmp = Assert.IsType<Observation>(PatternParser.Parse("[a-b:x = 1 OR a-b:y = 2 AND a-b:z = 3]")).Comparison;
        var cmpOr = Assert.IsType<ComparisonJoin>(cmp);
        Assert.Equal("OR", cmpOr.Operator);
        Assert.Equal("AND", Assert.IsType<ComparisonJoin>(cmpOr.Operands[1]).Operator);
    }

    [Fact]
    public void Paths_keep_quoted_keys_and_list_indices()
    {
        var test = Assert.IsType<PropertyTest>(Assert.IsType<Observation>(
            PatternParser.Parse("[file:extensions.'windows-pebinary-ext'.sections[-1].entropy > 7.0]")).Comparison);
        Assert.Equal("file", test.Path.ObjectType);
        Assert.Equal("extensions.windows-pebinary-ext.sections[-1].entropy", test.Path.Property);
        Assert.Equal(ConstantKind.Float, test.Value.Kind);
        Assert.Equal("[file:extensions.'windows-pebinary-ext'.sections[-1].entropy > 7.0]", test.ToString() is var s ? "[" + s + "]" : "");
    }

    [Fact]
    public void Strings_unescape_quotes_and_backslashes()
    {
        var test = Assert.IsType<PropertyTest>(Assert.IsType<Observation>(PatternParser.Parse(@"[file:name = 'it\'s C:\\x']")).Comparison);
        Assert.Equal(@"it's C:\x", test.Value.Text);
        Assert.Equal(@"file:name = 'it\'s C:\\x'", test.ToString());
    }

    [Theory]
    [InlineData("[file:size IN (1, 2, 3)]", ConstantKind.Set)]
    [InlineData("[file:x = true]", ConstantKind.Bool)]
    [InlineData("[file:x = FALSE]", ConstantKind.Bool)]
    [InlineData("[file:x = b'aGVsbG8=']", ConstantKind.Binary)]
    [InlineData("[file:x = h'ffd8']", ConstantKind.Hex)]
    [InlineData("[file:x = t'2020-01-01T00:00:00.123Z']", ConstantKind.Timestamp)]
    [InlineData("[file:x != -5]", ConstantKind.Int)]
    [InlineData("[file:x NOT LIKE 'a%']", ConstantKind.String)]
    [InlineData("[file:x ISSUPERSET '10.0.0.0/8']", ConstantKind.String)]
    public void Every_constant_kind_parses(string pattern, ConstantKind kind)
    {
        var test = Assert.IsType<PropertyTest>(Assert.IsType<Observation>(PatternParser.Parse(pattern)).Comparison);
        Assert.Equal(kind, test.Value.Kind);
    }

    [Fact]
    public void Qualifiers_bind_to_the_observation_before_them()
    {
        var ast = PatternParser.Parse("[file:name = 'a'] REPEATS 5 TIMES WITHIN 10.5 SECONDS START t'2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00Z'");
        var stop = Assert.IsType<Qualified>(ast);
        Assert.IsType<StartStopQualifier>(stop.Qualifier);
        var within = Assert.IsType<Qualified>(stop.Inner);
        Assert.Equal(10.5m, Assert.IsType<WithinQualifier>(within.Qualifier).Seconds);
        Assert.Equal(5, Assert.IsType<RepeatsQualifier>(Assert.IsType<Qualified>(within.Inner).Qualifier).Times);
    }

    [Theory]
    [InlineData("", 0, "empty")]
    [InlineData("file:name = 'a'", 0, "'['")]
    [InlineData("[file:name = 'a'", 16, "']' closing")]
    [InlineData("[file:name = 'a]", 13, "not closed")]
    [InlineData("[file:name == 'a']", 12, "constant")]
    [InlineData("[file:name = 'a' and file:size = 1]", 17, "upper-case (AND)")]
    [InlineData("[file:hashes.SHA-256 = 'a']", 13, "quote it")]
    [InlineData("[file:name MATCHES 5]", 19, "string constant")]
    [InlineData("[file:name > true]", 13, "compares with")]
    [InlineData("[file:name = h'abc']", 13, "even number")]
    [InlineData("[file:name = t'2020-13-01T00:00:00Z']", 13, "timestamp")]
    [InlineData("[file:name = t'2020-01-01 00:00:00Z']", 13, "timestamp")]
    [InlineData("[file:name = 'a\\n']", 15, "backslash")]
    [InlineData("[File:name = 'a']", 1, "object type")]
    [InlineData("[file:name = 007]", 13, "leading zeros")]
    [InlineData("[file:name = 'a'] WITHIN 0 SECONDS", 25, "positive")]
    [InlineData("[file:name = 'a'] REPEATS 2 TIME", 28, "TIMES")]
    [InlineData("[file:name = 'a'] START t'2020-01-02T00:00:00Z' STOP t'2020-01-01T00:00:00Z'", 53, "later than START")]
    [InlineData("[file:name = 'a'] [file:name = 'b']", 18, "end of the pattern")]
    [InlineData("[file:name IN 'a']", 14, "parentheses")]
    [InlineData("[file:x[a] = 1]", 8, "list index")]
    [InlineData("[file:name = 'a'] OR", 20, "'['")]
    [InlineData("[file:name = 'a' ; DROP]", 17, "unexpected character")]
    public void Invalid_patterns_are_rejected_with_the_offset_and_the_reason(string pattern, int offset, string reason)
    {
        var e = Assert.Throws<StixPatternException>(() => PatternParser.Parse(pattern));
        Assert.Equal(offset, e.Offset);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Null(PatternParser.TryParse(pattern, out var error));
        Assert.Equal(e.Message, error!.Message);
    }

    [Fact]
    public void Deep_nesting_is_refused_before_it_exhausts_the_stack()
    {
        var pattern = new string('(', 10_000) + "[file:name = 'a']" + new string(')', 10_000);
        var e = Assert.Throws<StixPatternException>(() => PatternParser.Parse(pattern));
        Assert.Contains("nested more than 64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_flat_chain_parses_without_deep_recursion()
    {
        var pattern = "[" + string.Join(" OR ", Enumerable.Range(0, 1500).Select(i => $"ipv4-addr:value = '10.0.{i / 256}.{i % 256}'")) + "]";
        var join = Assert.IsType<ComparisonJoin>(Assert.IsType<Observation>(PatternParser.Parse(pattern)).Comparison);
        Assert.Equal(1500, join.Operands.Count);
    }

    [Fact]
    public void Huge_patterns_are_refused()
    {
        var e = Assert.Throws<StixPatternException>(() => PatternParser.Parse("[file:name = '" + new string('a', 70_000) + "']"));
        Assert.Contains("at most 65536", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Control_characters_in_errors_are_escaped()
    {
        var e = Assert.Throws<StixPatternException>(() => PatternParser.Parse("[file:name = 'a'] \u0001"));
        Assert.Contains("\\u0001", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\u0001", e.Message, StringComparison.Ordinal);
    }
}
