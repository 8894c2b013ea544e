using Quell.Events;

namespace Quell.Tests.Events;

public sealed class EventQueryTests
{
    [Fact]
    public void Fields_quoted_values_words_and_phrases_are_parsed()
    {
        var terms = EventQuery.Parse("""process.name:cmd.exe user.name:"alice smith" failed "two words" CommandLine:"say \"hi\"" url:http://x/y""", out var error);
        Assert.Null(error);
        Assert.Equal(
        [
            new EventTerm("process.name", "cmd.exe"), new EventTerm("user.name", "alice smith"), new EventTerm(null, "failed"),
            new EventTerm(null, "two words"), new EventTerm("CommandLine", "say \"hi\""), new EventTerm("url", "http://x/y"),
        ], terms);
    }

    [Theory]
    [InlineData(":x", "field name is missing")]
    [InlineData("a:", "has no value")]
    [InlineData("a:\"open", "is not closed")]
    [InlineData("a\"b", "unexpected '\"'")]
    [InlineData("f(x):1", "may hold only")]
    [InlineData("\"\"", "empty phrase")]
    public void Bad_queries_name_what_is_wrong(string q, string expected)
    {
        Assert.Null(EventQuery.Parse(q, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Too_many_terms_and_empty_queries()
    {
        Assert.Null(EventQuery.Parse(string.Join(' ', Enumerable.Range(0, EventQuery.MaxTerms + 1).Select(i => "w" + i)), out var error));
        Assert.Contains("more than", error);
        Assert.Empty(EventQuery.Parse("   ", out _)!);
        Assert.Empty(EventQuery.Parse(null, out _)!);
    }
}
