using System.Text.Json;
using Quell.Detection.Sigma;

namespace Quell.Tests.Detection.Sigma;

/// <summary>Builds one-rule engines from a detection block and evaluates JSON events against them.</summary>
internal static class SigmaTestRules
{
    /// <summary>An event_count correlation (3 failed logons of one account within 5 minutes, level high, status test) and its base rule.</summary>
    public static string BruteForce(string id) => $$"""
        title: Brute force on one account
        id: {{id}}
        status: test
        level: high
        tags: [attack.credential-access, attack.t1110]
        correlation:
          type: event_count
          rules: [failed_logon]
          group-by: [TargetUserName]
          timespan: 5m
          condition: {gte: 3}
        ---
        title: Failed logon
        name: failed_logon
        logsource: {product: windows, service: security}
        detection:
          sel: {EventID: 4625}
          condition: sel
        """;

    public static SigmaLoadResult Read(string detection, SigmaReaderOptions? options = null, string logsource = "product: test")
    {
        var indented = string.Join("\n", detection.Trim('\n').Split('\n').Select(l => "  " + l));
        var yaml = $"title: test rule\nid: 00000000-0000-0000-0000-000000000001\nlevel: high\ntags: [attack.t1059]\nlogsource:\n  {logsource}\ndetection:\n{indented}\n";
        return SigmaRuleReader.Read(yaml, "test.yml", options);
    }

    public static SigmaRule Rule(string detection, SigmaReaderOptions? options = null, string logsource = "product: test")
    {
        var result = Read(detection, options, logsource);
        Assert.True(result.Problems.Count == 0, string.Join("; ", result.Problems));
        return Assert.Single(result.Rules);
    }

    /// <summary>
    /// Evaluates directly and through the engine (prefilter included); both must agree. The rule names no log source:
    /// one the test events cannot show would make the engine hold back rules none of whose fields they have (decision 190).
    /// </summary>
    public static bool Matches(string detection, string json, SigmaReaderOptions? options = null)
    {
        var rule = Rule(detection, options, "{}");
        var e = new JsonSigmaEvent(JsonDocument.Parse(json).RootElement);
        var direct = rule.Matches(e);
        var viaEngine = new SigmaEngine([rule]).CreateMatcher().Match(e, []) == 1;
        Assert.True(direct == viaEngine, $"the engine's prefilter disagrees with the rule: direct {direct}, engine {viaEngine}");
        return direct;
    }

    public static string Problem(string detection, SigmaReaderOptions? options = null)
    {
        var result = Read(detection, options);
        Assert.Empty(result.Rules);
        return Assert.Single(result.Problems).Reason;
    }
}
