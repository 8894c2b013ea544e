using static Quell.Tests.Detection.Sigma.SigmaTestRules;

namespace Quell.Tests.Detection.Sigma;

public sealed class SigmaConditionTests
{
    const string Selections = """
        sel_a:
          A: x
        sel_b:
          B: y
        filter_c:
          C: z
        _hidden:
          D: w
        """;

    static bool Eval(string condition, string json) => Matches($"{Selections}\ncondition: {condition}", json);

    [Theory]
    [InlineData("sel_a and sel_b", """{"A":"x","B":"y"}""", true)]
    [InlineData("sel_a and sel_b", """{"A":"x"}""", false)]
    [InlineData("sel_a or sel_b", """{"B":"y"}""", true)]
    [InlineData("sel_a and not filter_c", """{"A":"x","C":"z"}""", false)]
    [InlineData("sel_a and not filter_c", """{"A":"x"}""", true)] // a missing field fails the filter, so `not` holds
    [InlineData("not sel_a", """{}""", true)]
    [InlineData("sel_a or sel_b and filter_c", """{"A":"x"}""", true)] // and binds tighter than or
    [InlineData("(sel_a or sel_b) and filter_c", """{"A":"x"}""", false)]
    [InlineData("not not sel_a", """{"A":"x"}""", true)]
    [InlineData("1 of sel_*", """{"B":"y"}""", true)]
    [InlineData("all of sel_*", """{"B":"y"}""", false)]
    [InlineData("all of sel_*", """{"A":"x","B":"y"}""", true)]
    [InlineData("1 of them", """{"C":"z"}""", true)]
    [InlineData("1 of them", """{"D":"w"}""", false)] // `them` leaves out selections starting with _
    [InlineData("all of them", """{"A":"x","B":"y","C":"z"}""", true)]
    [InlineData("1 of _hid*", """{"D":"w"}""", true)]
    [InlineData("sel_a AND NOT filter_c", """{"A":"x"}""", true)]
    [InlineData("1 of sel_* and not 1 of filter_*", """{"A":"x","C":"z"}""", false)]
    public void Conditions_combine_selections(string condition, string json, bool expected) =>
        Assert.Equal(expected, Eval(condition, json));

    [Theory]
    [InlineData("sel_a and missing", "names 'missing', which is not a selection")]
    [InlineData("(sel_a or sel_b", "is not closed")]
    [InlineData("sel_a and", "ends where a selection was expected")]
    [InlineData("sel_a sel_b", "unexpected 'sel_b'")]
    [InlineData("1 of nothing_*", "matches no selection")]
    [InlineData("sel_a | count() > 5", "aggregations")]
    [InlineData("and sel_a", "unexpected 'and'")]
    [InlineData("0 of them", "at least 1")]
    public void Invalid_conditions_are_reported(string condition, string reason) =>
        Assert.Contains(reason, Problem($"{Selections}\ncondition: {condition}"));

    [Fact]
    public void Deep_nesting_is_refused_not_overflowed()
    {
        var condition = new string('(', 5000) + "sel_a" + new string(')', 5000);
        Assert.Contains("nests deeper", Problem($"{Selections}\ncondition: '{condition}'"));
    }

    [Fact]
    public void A_condition_list_means_any_of_them() =>
        Assert.True(Matches($"{Selections}\ncondition:\n  - sel_a and sel_b\n  - filter_c", """{"C":"z"}"""));
}
