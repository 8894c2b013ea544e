using System.Text.Json;
using Quell.Detection.Sigma;

namespace Quell.Tests.Detection.Sigma;

/// <summary>
/// The prefilter resolves the fields it indexes from the event's own field names (decision 186); it must read the value
/// <see cref="ISigmaEvent.TryGetValue"/> reads — the field's own name first, then its aliases in order — or it would
/// scan another value than the rule then tests and lose the match.
/// </summary>
public sealed class SigmaPrefilterFieldTests
{
    static readonly SigmaRule Evil = SigmaTestRules.Rule("""
        sel:
          CommandLine|contains: evil
        condition: sel
        """);

    static List<SigmaRule> Matched(string json)
    {
        var matches = new List<SigmaRule>();
        new SigmaEngine([Evil]).CreateMatcher().Match(new JsonSigmaEvent(JsonDocument.Parse(json).RootElement), matches);
        return matches;
    }

    [Theory]
    // Own name before aliases, whatever their order in the event.
    [InlineData("""{"process": {"command_line": "benign"}, "CommandLine": "evil"}""", true)]
    [InlineData("""{"CommandLine": "evil", "process": {"command_line": "benign"}}""", true)]
    [InlineData("""{"process": {"command_line": "evil"}, "commandline": "benign"}""", false)]
    // The first alias (process.command_line) before the second (process.args).
    [InlineData("""{"process": {"args": ["benign"], "command_line": "evil"}}""", true)]
    [InlineData("""{"process": {"command_line": "evil", "args": ["benign"]}}""", true)]
    [InlineData("""{"process": {"command_line": "benign", "args": ["evil"]}}""", false)]
    // Only an alias present; names compare case-insensitively.
    [InlineData("""{"Process": {"ARGS": ["x", "EVIL"]}}""", true)]
    [InlineData("""{"other": "evil"}""", false)]
    public void The_prefilter_reads_the_value_the_rule_tests(string json, bool matches)
    {
        var e = new JsonSigmaEvent(JsonDocument.Parse(json).RootElement);
        Assert.Equal(matches, Evil.Matches(e));
        Assert.Equal(matches, Matched(json).Count == 1);
    }

    [Fact]
    public void A_view_read_again_resolves_the_new_event_fields()
    {
        var matcher = new SigmaEngine([Evil]).CreateMatcher();
        var e = new JsonSigmaEvent(JsonDocument.Parse("""{"CommandLine": "evil"}""").RootElement);
        var counts = new List<int>();
        foreach (var json in (string[])["""{"CommandLine": "evil"}""", """{"Image": "x"}""", """{"process": {"args": ["evil"]}}""", """{"CommandLine": "ok"}"""])
        {
            e.Read(JsonDocument.Parse(json).RootElement);
            counts.Add(matcher.Match(e, []));
        }
        Assert.Equal([1, 0, 1, 0], counts);
    }

    // Fields tested without a prefilter text (in a `not`, by `null`, `exists` or a `fieldref`) are read from the slots the
    // matcher resolved too (decision 212): present, absent and the alias order must be what the event itself answers.
    static readonly SigmaRule Unscanned = SigmaTestRules.Rule("""
        sel:
          CommandLine|contains: run
        gone:
          ParentImage: null
        same:
          User|fieldref: TargetUserName
        other:
          Image|exists: false
        quiet:
          IntegrityLevel: Low
        condition: sel and (gone or same) and other and not quiet
        """);

    [Theory]
    [InlineData("""{"CommandLine": "run"}""", true)]
    [InlineData("""{"CommandLine": "run", "ParentImage": "p"}""", false)]
    [InlineData("""{"CommandLine": "run", "process": {"parent": {"executable": "p"}}}""", false)]
    [InlineData("""{"CommandLine": "run", "ParentImage": "p", "User": "a", "TargetUserName": "a"}""", true)]
    [InlineData("""{"CommandLine": "run", "ParentImage": "p", "User": "a", "TargetUserName": "b"}""", false)]
    [InlineData("""{"CommandLine": "run", "process": {"executable": "x"}}""", false)]
    [InlineData("""{"CommandLine": "run", "MandatoryLabel": "low"}""", false)]
    [InlineData("""{"CommandLine": "run", "IntegrityLevel": "High", "MandatoryLabel": "low"}""", true)]
    public void Fields_without_prefilter_text_read_what_the_event_answers(string json, bool matches)
    {
        var e = new JsonSigmaEvent(JsonDocument.Parse(json).RootElement);
        Assert.Equal(matches, Unscanned.Matches(e));
        var found = new List<SigmaRule>();
        new SigmaEngine([Unscanned]).CreateMatcher().Match(e, found);
        Assert.Equal(matches, found.Count == 1);
    }
}
