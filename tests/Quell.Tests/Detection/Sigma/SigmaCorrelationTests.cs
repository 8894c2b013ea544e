using System.Text.Json;
using Quell.Detection.Sigma;

namespace Quell.Tests.Detection.Sigma;

/// <summary>Correlation rules: each type hits and misses, windows slide in event time, groups stay apart, bad ones are reported.</summary>
public sealed class SigmaCorrelationTests
{
    const string Base = """
        title: Failed logon
        id: 10000000-0000-0000-0000-000000000001
        name: failed_logon
        logsource: {product: windows, service: security}
        detection:
          sel: {EventID: 4625}
          condition: sel
        ---
        title: Successful logon
        id: 10000000-0000-0000-0000-000000000002
        name: successful_logon
        logsource: {product: windows, service: security}
        detection:
          sel: {EventID: 4624}
          condition: sel
        ---
        title: Whoami
        name: whoami
        logsource: {product: windows, category: process_creation}
        detection:
          sel: {CommandLine|contains: whoami}
          condition: sel
        """;

    static readonly DateTimeOffset T0 = new(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);

    static SigmaCatalog Catalog(string correlation, SigmaRuleSelection? selection = null)
    {
        var loaded = SigmaRuleReader.Read(Base + "\n---\n" + correlation, "mr_test.yml");
        var catalog = SigmaCatalog.Build(loaded, selection);
        Assert.True(catalog.Problems.Count == 0, string.Join("; ", catalog.Problems));
        return catalog;
    }

    /// <summary>Runs (seconds after T0, event JSON) through the engine and the correlator; returns the correlation matches, flushed at the end.</summary>
    static List<SigmaCorrelationMatch<int>> Run(SigmaCatalog catalog, params (int Seconds, string Json)[] events)
    {
        var correlator = catalog.CreateCorrelator<int>();
        var matcher = catalog.Engine.CreateMatcher();
        var found = new List<SigmaCorrelationMatch<int>>();
        for (var i = 0; i < events.Length; i++)
        {
            var e = new JsonSigmaEvent(JsonDocument.Parse(events[i].Json).RootElement);
            var rules = new List<SigmaRule>();
            matcher.Match(e, rules);
            foreach (var rule in rules.Where(catalog.Correlates))
                correlator.Observe(rule, T0.AddSeconds(events[i].Seconds), f => e.TryGetValue(f, out var v) ? v.Text : null, i, found);
        }
        correlator.Flush(found);
        return found;
    }

    static string Failed(string user, string host = "pc1") => $$"""{"EventID": 4625, "TargetUserName": "{{user}}", "Computer": "{{host}}"}""";

    static string Success(string user) => $$"""{"EventID": 4624, "TargetUserName": "{{user}}"}""";

    const string EventCount = """
        title: Brute force
        id: 20000000-0000-0000-0000-000000000001
        level: high
        correlation:
          type: event_count
          rules: [failed_logon]
          group-by: [TargetUserName]
          timespan: 1m
          condition: {gte: 3}
        """;

    [Fact]
    public void Event_count_matches_when_the_count_is_reached_within_the_timespan()
    {
        var m = Assert.Single(Run(Catalog(EventCount), (0, Failed("bob")), (10, Failed("bob")), (20, Failed("bob"))));
        Assert.Equal("Brute force", m.Rule.Title);
        Assert.Equal([KeyValuePair.Create("TargetUserName", "bob")], m.Group);
        Assert.Equal(3, m.Count);
        Assert.Equal([0, 1, 2], m.Events);
        Assert.Equal(T0, m.First);
        Assert.Equal(T0.AddSeconds(20), m.Last);
    }

    [Fact]
    public void Event_count_misses_when_the_events_are_spread_wider_than_the_timespan()
    {
        Assert.Empty(Run(Catalog(EventCount), (0, Failed("bob")), (40, Failed("bob")), (80, Failed("bob")), (120, Failed("bob"))));
    }

    [Fact]
    public void The_window_slides_so_old_events_fall_out_and_later_ones_complete_it()
    {
        // No three of 0, 30, 70, 100 lie within one minute; 70, 100 and 110 do.
        var m = Assert.Single(Run(Catalog(EventCount), (0, Failed("bob")), (30, Failed("bob")), (70, Failed("bob")), (100, Failed("bob")), (110, Failed("bob"))));
        Assert.Equal([2, 3, 4], m.Events);
    }

    [Fact]
    public void Groups_are_counted_apart_and_events_without_the_group_field_are_in_none()
    {
        var found = Run(Catalog(EventCount),
            (0, Failed("bob")), (1, Failed("alice")), (2, Failed("bob")), (3, Failed("alice")), (4, """{"EventID": 4625}"""), (5, """{"EventID": 4625}"""), (6, Failed("bob")));
        var m = Assert.Single(found);
        Assert.Equal("bob", m.Group[0].Value);
        Assert.Equal([0, 2, 6], m.Events);
    }

    [Fact]
    public void A_match_empties_its_group_so_the_next_needs_new_events()
    {
        var events = Enumerable.Range(0, 7).Select(i => (i, Failed("bob"))).ToArray();
        var found = Run(Catalog(EventCount), events);
        Assert.Equal(2, found.Count);
        Assert.Equal([3, 4, 5], found[1].Events);
    }

    [Fact]
    public void Value_count_counts_distinct_values_of_its_field()
    {
        const string rule = """
            title: Password spraying
            correlation:
              type: value_count
              rules: [failed_logon]
              group-by: [Computer]
              timespan: 5m
              condition: {gt: 2, field: TargetUserName}
            """;
        var catalog = Catalog(rule);
        Assert.Empty(Run(catalog, (0, Failed("a")), (1, Failed("a")), (2, Failed("b")), (3, Failed("b"))));
        var m = Assert.Single(Run(catalog, (0, Failed("a")), (1, Failed("a")), (2, Failed("b")), (3, Failed("c"))));
        Assert.Equal(3, m.Count);
        Assert.Equal("pc1", m.Group[0].Value);
    }

    const string Temporal = """
        title: Logon then recon
        correlation:
          type: temporal
          rules: [successful_logon, whoami]
          group-by: [User]
          timespan: 5m
          aliases:
            User:
              successful_logon: TargetUserName
              whoami: User
        """;

    [Fact]
    public void Temporal_needs_every_rule_within_the_timespan_in_any_order_and_aliases_join_different_fields()
    {
        var catalog = Catalog(Temporal);
        var m = Assert.Single(Run(catalog, (0, """{"CommandLine": "whoami /all", "User": "bob"}"""), (60, Success("bob"))));
        Assert.Equal("bob", m.Group[0].Value);
        Assert.Equal(2, m.Count);
        Assert.Empty(Run(catalog, (0, """{"CommandLine": "whoami", "User": "bob"}"""), (60, Success("alice"))));
        Assert.Empty(Run(catalog, (0, """{"CommandLine": "whoami", "User": "bob"}"""), (600, Success("bob"))));
    }

    [Fact]
    public void Temporal_ordered_needs_the_rules_in_their_order()
    {
        var catalog = Catalog(Temporal.Replace("type: temporal", "type: temporal_ordered"));
        Assert.Empty(Run(catalog, (0, """{"CommandLine": "whoami", "User": "bob"}"""), (60, Success("bob"))));
        var m = Assert.Single(Run(catalog, (0, Success("bob")), (30, Success("bob")), (60, """{"CommandLine": "whoami", "User": "bob"}""")));
        Assert.Equal([0, 2], m.Events);
    }

    [Fact]
    public void An_upper_bound_is_judged_when_the_window_closes()
    {
        const string rule = """
            title: Few failures
            correlation:
              type: event_count
              rules: [failed_logon]
              group-by: [TargetUserName]
              timespan: 1m
              condition: {gte: 2, lt: 4}
            """;
        var catalog = Catalog(rule);
        // bob: 2 in the first minute (match, known at the next event after the window); alice: 4 (too many); carol: 1.
        var found = Run(catalog, (0, Failed("bob")), (10, Failed("bob")), (0, Failed("alice")), (1, Failed("alice")), (2, Failed("alice")), (3, Failed("alice")),
            (5, Failed("carol")), (90, Failed("bob")));
        var m = Assert.Single(found);
        Assert.Equal("bob", m.Group[0].Value);
        Assert.Equal(2, m.Count);
    }

    [Fact]
    public void Correlations_chain_and_the_rules_they_use_do_not_report_alone_unless_generate_is_true()
    {
        // The specification's example: many failed logons, then a successful one, for one user.
        const string rules = """
            title: Brute force then success
            level: critical
            correlation:
              type: temporal_ordered
              rules: [many_failed, successful_logon]
              group-by: [TargetUserName]
              timespan: 10m
            ---
            title: Many failed logons
            name: many_failed
            correlation:
              type: event_count
              rules: [failed_logon]
              group-by: [TargetUserName]
              timespan: 10m
              condition: {gte: 3}
            """;
        var catalog = Catalog(rules);
        var found = Run(catalog, (0, Failed("bob")), (1, Failed("bob")), (2, Failed("bob")), (30, Success("bob")));
        var m = Assert.Single(found);
        Assert.Equal("Brute force then success", m.Rule.Title);
        Assert.Equal([0, 1, 2, 3], m.Events);
        Assert.False(catalog.Reports(catalog.Engine.Rules.Single(r => r.Name == "failed_logon")));
        Assert.True(catalog.Reports(catalog.Engine.Rules.Single(r => r.Name == "whoami")));

        var generating = Catalog(EventCount + "\ngenerate: true\n");
        Assert.True(generating.Reports(generating.Engine.Rules.Single(r => r.Name == "failed_logon")));
    }

    [Theory]
    [InlineData("type: event_count\n  rules: [nope]\n  group-by: [x]\n  timespan: 1m\n  condition: {gte: 2}", "names rule 'nope', which is not loaded")]
    [InlineData("type: event_count\n  rules: [failed_logon]\n  timespan: 1 hour\n  condition: {gte: 2}", "invalid timespan '1 hour'")]
    [InlineData("type: event_count\n  rules: [failed_logon]\n  timespan: 0m\n  condition: {gte: 2}", "invalid timespan '0m'")]
    [InlineData("type: event_sum\n  rules: [failed_logon]\n  timespan: 1m", "unknown correlation type 'event_sum'")]
    [InlineData("type: event_count\n  rules: [failed_logon]\n  timespan: 1m", "needs a 'condition'")]
    [InlineData("type: event_count\n  rules: [failed_logon]\n  timespan: 1m\n  condition: {gte: many}", "'gte' must be a whole number")]
    [InlineData("type: event_count\n  rules: [failed_logon]\n  timespan: 1m\n  condition: {above: 2}", "unknown correlation condition 'above'")]
    [InlineData("type: value_count\n  rules: [failed_logon]\n  timespan: 1m\n  condition: {gte: 2}", "needs 'field'")]
    [InlineData("type: temporal\n  rules: [failed_logon]\n  timespan: 1m", "needs two or more rules")]
    [InlineData("type: temporal_ordered\n  rules: [failed_logon, whoami]\n  timespan: 1m\n  condition: {gte: 1}", "not supported")]
    public void A_bad_correlation_is_reported_and_the_rest_load(string body, string reason)
    {
        var loaded = SigmaRuleReader.Read(Base + "\n---\ntitle: Bad\ncorrelation:\n  " + body + "\n---\n" + EventCount, "mr_bad.yml");
        var catalog = SigmaCatalog.Build(loaded);
        var problem = Assert.Single(catalog.Problems);
        Assert.Equal("Bad", problem.Title);
        Assert.Contains(reason, problem.Reason);
        Assert.Equal(["Brute force"], catalog.Correlations.Select(c => c.Title));
        Assert.Equal(3, catalog.Engine.Rules.Count);
    }

    [Fact]
    public void Correlations_in_a_cycle_or_built_on_a_dropped_one_are_reported()
    {
        const string rules = """
            title: A
            name: a
            correlation: {type: event_count, rules: [b], group-by: [x], timespan: 1m, condition: {gte: 1}}
            ---
            title: B
            name: b
            correlation: {type: event_count, rules: [a], group-by: [x], timespan: 1m, condition: {gte: 1}}
            ---
            title: C
            correlation: {type: event_count, rules: [d], group-by: [x], timespan: 1m, condition: {gte: 1}}
            ---
            title: D
            name: d
            correlation: {type: event_count, rules: [missing], group-by: [x], timespan: 1m, condition: {gte: 1}}
            """;
        var catalog = SigmaCatalog.Build(SigmaRuleReader.Read(Base + "\n---\n" + rules, "mr.yml"));
        Assert.Empty(catalog.Correlations);
        Assert.Contains(catalog.Problems, p => p.Title == "A" && p.Reason.Contains("cycle", StringComparison.Ordinal));
        Assert.Contains(catalog.Problems, p => p.Title == "C" && p.Reason.Contains("builds on correlation 'D'", StringComparison.Ordinal));
        Assert.Contains(catalog.Problems, p => p.Title == "D" && p.Reason.Contains("'missing'", StringComparison.Ordinal));
    }

    [Fact]
    public void Memory_stays_bounded_by_dropping_the_stalest_groups()
    {
        var catalog = Catalog(EventCount.Replace("gte: 3", "gte: 1000"));
        var correlator = catalog.CreateCorrelator<int>(new SigmaCorrelatorOptions { MaxEvents = 100, MaxEventsPerGroup = 10 });
        var rule = catalog.Engine.Rules.Single(r => r.Name == "failed_logon");
        var found = new List<SigmaCorrelationMatch<int>>();
        for (var i = 0; i < 5000; i++)
            correlator.Observe(rule, T0.AddMilliseconds(i), _ => (i % 500).ToString(System.Globalization.CultureInfo.InvariantCulture), i, found);
        Assert.Empty(found);
        Assert.True(correlator.OpenGroups <= 100, $"{correlator.OpenGroups} groups open");
        Assert.True(correlator.Dropped > 0);

        // Groups the timespan has passed are forgotten.
        correlator.Observe(rule, T0.AddHours(1), _ => "late-comer", 0, found);
        correlator.Expire(found);
        Assert.Equal(1, correlator.OpenGroups);
    }
}
