using System.Text.Json;
using Quell.Detection.Sigma;

namespace Quell.Tests.Detection.Sigma;

/// <summary>
/// A rule admitted only because the event's log source is unknown must test a field the event has (decision 190):
/// a Zeek rule whose condition is `not` of a CIDR test on a Zeek field otherwise matched every ECS firewall event.
/// </summary>
public sealed class SigmaUnknownSourceTests
{
    const string NotPrivate = """
        sel:
          id.resp_h|cidr: [10.0.0.0/8, 192.168.0.0/16]
        condition: not sel
        """;

    static int Matches(string logsource, string detection, string json)
    {
        var rule = SigmaTestRules.Read(detection, logsource: logsource).Rules.Single();
        return new SigmaEngine([rule]).CreateMatcher().Match(new JsonSigmaEvent(JsonDocument.Parse(json).RootElement), []);
    }

    [Theory]
    // An ECS network event (product and service unknown) without the rule's field: not about what the rule describes.
    [InlineData("{product: zeek, service: rdp}", """{"event": {"category": "network"}, "source": {"ip": "10.1.2.3"}}""", 0)]
    // The same event with the field, outside the private ranges: the rule applies and matches.
    [InlineData("{product: zeek, service: rdp}", """{"event": {"category": "network"}, "id.resp_h": "203.0.113.5"}""", 1)]
    [InlineData("{product: zeek, service: rdp}", """{"event": {"category": "network"}, "id.resp_h": "10.0.0.5"}""", 0)]
    // No log source fields at all: the same.
    [InlineData("{product: zeek, service: rdp}", """{"message": "hello"}""", 0)]
    // A rule that names no log source attribute is not admitted by ignorance: `not` holds as SIEM queries have it.
    [InlineData("{}", """{"message": "hello"}""", 1)]
    public void A_rule_admitted_by_an_unknown_source_needs_one_of_its_fields(string logsource, string json, int matches) =>
        Assert.Equal(matches, Matches(logsource, NotPrivate, json));

    [Fact]
    public void A_known_source_keeps_the_rule_semantics()
    {
        // A Sysmon process event is known to be windows/sysmon/process_creation: a `not` on an absent field holds.
        const string notTool = """
            sel:
              OriginalFileName: evil.exe
            condition: not sel
            """;
        const string sysmon = """{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1, "Image": "C:\\x.exe"}""";
        Assert.Equal(1, Matches("{product: windows, category: process_creation}", notTool, sysmon));
    }

    [Fact]
    public void Keyword_rules_are_not_held_back()
    {
        const string keywords = """
            keywords:
              - 'mimikatz'
            condition: keywords
            """;
        Assert.Equal(1, Matches("{product: zeek, service: rdp}", keywords, """{"message": "ran mimikatz"}"""));
    }
}
