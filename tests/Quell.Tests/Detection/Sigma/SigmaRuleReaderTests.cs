using System.Text.Json;
using Quell.Detection.Sigma;
using static Quell.Tests.Detection.Sigma.SigmaTestRules;

namespace Quell.Tests.Detection.Sigma;

public sealed class SigmaRuleReaderTests
{
    [Fact]
    public void Rule_attributes_are_read()
    {
        const string yaml = """
            title: Whoami Execution
            id: 502b42de-4306-40b4-9596-6f590c81f073
            status: test
            level: medium
            description: Detects whoami
            tags:
              - attack.discovery
              - attack.t1033
            logsource:
              category: process_creation
              product: windows
            detection:
              selection:
                Image|endswith: '\whoami.exe'
              condition: selection
            falsepositives:
              - Admin activity
            fields:
              - CommandLine
            """;
        var rule = Assert.Single(SigmaRuleReader.Read(yaml, "r.yml").Rules);
        Assert.Equal(("Whoami Execution", "502b42de-4306-40b4-9596-6f590c81f073", "test", "medium"), (rule.Title, rule.Id, rule.Status, rule.Level));
        Assert.Equal(["attack.discovery", "attack.t1033"], rule.Tags);
        Assert.Equal(new SigmaLogsource("windows", "process_creation", null), rule.Logsource);
        Assert.Equal(["Admin activity"], rule.FalsePositives);
        Assert.Equal(["CommandLine"], rule.Fields);
        Assert.Equal("r.yml", rule.Source);
    }

    [Fact]
    public void A_map_is_and_a_list_of_maps_is_or()
    {
        const string detection = """
            selection:
              - A: x
                B: y
              - C: z
            condition: selection
            """;
        Assert.True(Matches(detection, """{"A":"x","B":"y"}"""));
        Assert.False(Matches(detection, """{"A":"x"}"""));
        Assert.True(Matches(detection, """{"C":"z"}"""));
    }

    [Fact]
    public void Keywords_search_every_value()
    {
        const string detection = """
            keywords:
              - 'mimikatz'
              - 'sekurlsa::*'
            condition: keywords
            """;
        Assert.True(Matches(detection, """{"msg": "running Mimikatz now"}"""));
        Assert.True(Matches(detection, """{"deep": {"er": ["x", "sekurlsa::logonpasswords"]}}"""));
        Assert.False(Matches(detection, """{"msg": "nothing"}"""));
    }

    [Fact]
    public void Numbers_and_booleans_compare_by_their_text()
    {
        Assert.True(Matches("selection:\n  EventID: 4688\ncondition: selection", """{"EventID": 4688}"""));
        Assert.True(Matches("selection:\n  EventID: 4688\ncondition: selection", """{"EventID": "4688"}"""));
        Assert.True(Matches("selection:\n  EventID: [1, 4688]\ncondition: selection", """{"EventID": 1}"""));
        Assert.True(Matches("selection:\n  Signed: 'false'\ncondition: selection", """{"Signed": false}"""));
        Assert.False(Matches("selection:\n  EventID: 4688\ncondition: selection", """{"EventID": 46888}"""));
    }

    [Fact]
    public void Array_values_match_when_any_item_does() =>
        Assert.True(Matches("selection:\n  args|contains: '-enc'\ncondition: selection", """{"args": ["powershell", "-enc", "AAA"]}"""));

    [Theory]
    [InlineData("title: [unclosed", "invalid YAML at line")]
    [InlineData("title: t\nlogsource: {product: x}\n", "no 'detection'")]
    [InlineData("title: t\ndetection:\n  s: {A: x}\n  condition: s\n", "no 'logsource'")]
    [InlineData("logsource: {product: x}\ndetection:\n  s: {A: x}\n  condition: s\n", "no 'title'")]
    [InlineData("title: t\nlogsource: {product: x}\ndetection:\n  s: {A: x}\n", "no 'condition'")]
    [InlineData("title: t\nlogsource: {product: x}\ndetection:\n  s: {A: {nested: map}}\n  condition: s\n", "must be a scalar or a list")]
    [InlineData("- just\n- a list\n", "not a YAML mapping")]
    [InlineData("title: t\ncorrelation:\n  type: event_count\n", "the correlation's 'rules' must name one or more rules")]
    public void Broken_rules_are_reported_with_the_reason(string yaml, string reason)
    {
        var result = SigmaRuleReader.Read(yaml, "bad.yml");
        Assert.Empty(result.Rules);
        var problem = Assert.Single(result.Problems);
        Assert.Equal("bad.yml", problem.Source);
        Assert.Contains(reason, problem.Reason);
    }

    [Fact]
    public void Every_document_of_a_file_is_read()
    {
        const string yaml = """
            title: one
            logsource: {product: x}
            detection: {s: {A: x}, condition: s}
            ---
            title: two
            logsource: {product: x}
            detection: {s: {A: x}, condition: nope}
            """;
        var result = SigmaRuleReader.Read(yaml, "multi.yml");
        Assert.Equal("one", Assert.Single(result.Rules).Title);
        Assert.Equal("two", Assert.Single(result.Problems).Title);
    }

    [Fact]
    public void Engine_considers_only_rules_of_the_events_logsource()
    {
        var windows = Assert.Single(SigmaRuleReader.Read("title: w\nlogsource: {product: windows, category: process_creation}\ndetection: {s: {CommandLine|contains: whoami}, condition: s}", "w.yml").Rules);
        var linux = Assert.Single(SigmaRuleReader.Read("title: l\nlogsource: {product: linux, category: process_creation}\ndetection: {s: {CommandLine|contains: whoami}, condition: s}", "l.yml").Rules);
        var dns = Assert.Single(SigmaRuleReader.Read("title: d\nlogsource: {product: windows, category: dns_query}\ndetection: {s: {CommandLine|contains: whoami}, condition: s}", "d.yml").Rules);
        var matcher = new SigmaEngine([windows, linux, dns]).CreateMatcher();
        var sysmon = """{"Event": {"System": {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational"}, "EventData": {"CommandLine": "whoami /all"}}}""";
        var found = new List<SigmaRule>();
        matcher.Match(new JsonSigmaEvent(JsonDocument.Parse(sysmon).RootElement), found);
        Assert.Equal(["w"], found.Select(r => r.Title));
        found.Clear();
        var unknown = """{"CommandLine": "whoami"}""";
        matcher.Match(new JsonSigmaEvent(JsonDocument.Parse(unknown).RootElement), found);
        Assert.Equal(["w", "l", "d"], found.Select(r => r.Title));
    }
}
