using Quell.Detection.Sigma;

namespace Quell.Tests.Detection.Sigma;

/// <summary>Enabling rules by level, status and tag; what is not enabled is listed with its reason.</summary>
public sealed class SigmaRuleSelectionTests
{
    const string Rules = """
        title: Low test rule
        status: test
        level: low
        tags: [attack.execution, attack.t1059.001]
        logsource: {product: windows}
        detection: {sel: {CommandLine: a}, condition: sel}
        ---
        title: High stable rule
        name: high_stable
        status: stable
        level: high
        tags: [attack.discovery]
        logsource: {product: windows}
        detection: {sel: {CommandLine: b}, condition: sel}
        ---
        title: No level
        logsource: {product: windows}
        detection: {sel: {CommandLine: c}, condition: sel}
        ---
        title: Low base of a critical correlation
        name: low_base
        level: low
        status: experimental
        logsource: {product: windows}
        detection: {sel: {CommandLine: d}, condition: sel}
        ---
        title: Critical correlation
        status: stable
        level: critical
        tags: [attack.t1059]
        correlation: {type: event_count, rules: [low_base], group-by: [User], timespan: 1m, condition: {gte: 2}}
        """;

    static SigmaCatalog Build(SigmaRuleSelection selection) => SigmaCatalog.Build(SigmaRuleReader.Read(Rules, "rules.yml"), selection);

    [Fact]
    public void Min_level_enables_that_level_and_above_and_a_needed_base_rule_is_matched_without_reporting()
    {
        var catalog = Build(SigmaRuleSelection.Parse("high", null, null));
        Assert.Equal(["High stable rule", "Low base of a critical correlation"], catalog.Engine.Rules.Select(r => r.Title));
        Assert.Equal(["Critical correlation"], catalog.Correlations.Select(c => c.Title));
        Assert.True(catalog.Reports(catalog.Engine.Rules[0]));
        Assert.False(catalog.Reports(catalog.Engine.Rules[1]));
        Assert.Equal(2, catalog.ReportingCount);
        Assert.Contains(catalog.NotEnabled, p => p.Title == "Low test rule" && p.Reason == "level low is below the minimum level high");
        Assert.Contains(catalog.NotEnabled, p => p.Title == "No level" && p.Reason == "no level (minimum level high)");
        Assert.Contains(catalog.NotEnabled, p => p.Title == "Low base of a critical correlation" && p.Reason.EndsWith("matched only for the correlations that use it", StringComparison.Ordinal));
    }

    [Fact]
    public void Status_and_tags_select_and_a_tag_takes_its_sub_techniques()
    {
        var byStatus = Build(SigmaRuleSelection.Parse(null, "stable, TEST", null));
        Assert.Equal(["Low test rule", "High stable rule", "Low base of a critical correlation"], byStatus.Engine.Rules.Select(r => r.Title));
        Assert.Contains(byStatus.NotEnabled, p => p.Title == "No level" && p.Reason.StartsWith("no status", StringComparison.Ordinal));

        var byTag = Build(SigmaRuleSelection.Parse(null, null, "attack.t1059"));
        Assert.Equal(["Low test rule", "Low base of a critical correlation"], byTag.Engine.Rules.Select(r => r.Title));
        Assert.Contains(byTag.NotEnabled, p => p.Title == "High stable rule" && p.Reason == "none of the tags attack.t1059");
        Assert.Equal(3, byTag.NotEnabled.Count);
    }

    [Fact]
    public void Everything_is_enabled_by_default_and_bad_settings_name_the_accepted_values()
    {
        var all = Build(SigmaRuleSelection.All);
        Assert.Equal(4, all.Engine.Rules.Count);
        Assert.Empty(all.NotEnabled);
        Assert.Contains("informational, low, medium, high, critical", Assert.Throws<ArgumentException>(() => SigmaRuleSelection.Parse("severe", null, null)).Message);
        Assert.Contains("unknown rule status 'beta'", Assert.Throws<ArgumentException>(() => SigmaRuleSelection.Parse(null, "stable,beta", null)).Message);
    }
}
