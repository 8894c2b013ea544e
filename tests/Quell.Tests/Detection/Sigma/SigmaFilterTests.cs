using System.Text.Json;
using Quell.Detection.Sigma;

namespace Quell.Tests.Detection.Sigma;

/// <summary>Filter documents (Sigma v2): events the filter's condition matches are taken out of the rules it applies to.</summary>
public sealed class SigmaFilterTests
{
    const string Rules = """
        title: Rar compression
        id: 6f3e2987-db24-4c78-a860-b4f4095a7095
        logsource: {product: windows, category: process_creation}
        detection:
          sel: {Image|endswith: '\rar.exe'}
          condition: sel
        ---
        title: Whoami
        name: whoami
        logsource: {product: windows, category: process_creation}
        detection:
          sel: {CommandLine|contains: whoami}
          condition: sel
        ---
        title: Failed logon
        logsource: {product: windows, service: security}
        detection:
          sel: {EventID: 4625}
          condition: sel
        """;

    const string Event = """{"Image": "C:\\Tools\\rar.exe", "CommandLine": "rar a x.rar && whoami", "User": "adm_bob", "EventID": 4625}""";

    static List<string> Matching(string filter, string json = Event)
    {
        var catalog = SigmaCatalog.Build(SigmaRuleReader.Read(Rules + "\n---\n" + filter, "rules.yml"));
        Assert.True(catalog.Problems.Count == 0, string.Join("; ", catalog.Problems));
        var found = new List<SigmaRule>();
        catalog.Engine.CreateMatcher().Match(new JsonSigmaEvent(JsonDocument.Parse(json).RootElement), found);
        return [.. found.Select(r => r.Title)];
    }

    [Fact]
    public void A_filter_removes_its_events_from_the_rules_it_names_by_id_or_name()
    {
        const string filter = """
            title: Administrators
            logsource: {product: windows, category: process_creation}
            filter:
              rules: [6f3e2987-db24-4c78-a860-b4f4095a7095, whoami]
              admin: {User|startswith: adm_}
              condition: admin
            """;
        Assert.Equal(["Failed logon"], Matching(filter));
        Assert.Equal(["Rar compression", "Whoami", "Failed logon"], Matching(filter, Event.Replace("adm_bob", "bob", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_filter_without_rules_applies_to_every_rule_of_its_logsource()
    {
        const string filter = """
            title: Administrators
            logsource: {product: windows, category: process_creation}
            filter:
              admin: {User|startswith: adm_}
              condition: admin
            """;
        Assert.Equal(["Failed logon"], Matching(filter));
    }

    [Fact]
    public void A_filter_naming_a_rule_that_is_not_loaded_or_with_a_bad_condition_is_reported_and_not_applied()
    {
        var catalog = SigmaCatalog.Build(SigmaRuleReader.Read(Rules + """

            ---
            title: Unknown rule
            logsource: {product: windows}
            filter:
              rules: [no-such-rule]
              sel: {User: x}
              condition: sel
            ---
            title: Bad condition
            logsource: {product: windows}
            filter:
              sel: {User: x}
              condition: sel and other
            """, "rules.yml"));
        Assert.Equal(2, catalog.Problems.Count);
        Assert.Contains("no-such-rule", catalog.Problems[1].Reason);
        Assert.Equal("Bad condition", catalog.Problems[0].Title);
        Assert.All(catalog.Engine.Rules, r => Assert.Empty(r.Filters));
    }
}
