using System.Text.Json;
using Quell.Server.Cli;
using Quell.Tests.Support;

namespace Quell.Tests.Detection.Sigma;

/// <summary>`quell detect` with correlation rules, filters and rule selection.</summary>
public sealed partial class DetectCommandTests
{
    static readonly string Correlation = SigmaTestRules.BruteForce("30000000-0000-0000-0000-000000000001");

    const string Whoami = "title: Whoami\nid: 30000000-0000-0000-0000-000000000002\nstatus: experimental\nlevel: low\nlogsource: {product: windows}\ndetection:\n  sel: {CommandLine|contains: whoami}\n  condition: sel\n";

    const string ServiceAccounts = "title: Service accounts fail all the time\nlogsource: {product: windows, service: security}\nfilter:\n  rules: [failed_logon]\n  svc: {TargetUserName|startswith: svc_}\n  condition: svc\n";

    string Events()
    {
        string Failed(string user, int minute) => $$"""{"@timestamp": "2026-01-01T10:{{minute:00}}:00Z", "EventID": 4625, "TargetUserName": "{{user}}"}""";
        return Write("events.ndjson", string.Join("\n",
            Failed("bob", 0), Failed("svc_backup", 0), Failed("alice", 1), Failed("bob", 2), Failed("svc_backup", 1), Failed("svc_backup", 2),
            """{"@timestamp": "2026-01-01T10:03:00Z", "CommandLine": "whoami"}""", Failed("bob", 4), Failed("alice", 9)) + "\n");
    }

    [Fact]
    public async Task A_correlation_prints_one_json_line_with_its_group_and_events_and_filtered_events_do_not_count()
    {
        var rules = Path.GetDirectoryName(Write("rules/mr_brute_force.yml", Correlation))!;
        Write("rules/whoami.yml", Whoami);
        Write("rules/filters/mf_service_accounts.yml", ServiceAccounts);
        var events = Events();
        var t = new TestTerminal();

        var code = await RunAsync(t, "detect", "--rules", rules, "--events", events, "--format", "json");

        Assert.True(code == ExitCodes.Success, t.Error);
        var lines = t.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal("rule", lines[0].GetProperty("type").GetString());
        Assert.Equal("Whoami", lines[0].GetProperty("rule").GetProperty("title").GetString());
        var m = lines[1];
        Assert.Equal("correlation", m.GetProperty("type").GetString());
        Assert.Equal("event_count", m.GetProperty("correlation").GetString());
        Assert.Equal("30000000-0000-0000-0000-000000000001", m.GetProperty("rule").GetProperty("id").GetString());
        Assert.Equal("Brute force on one account", m.GetProperty("rule").GetProperty("title").GetString());
        Assert.Equal("bob", m.GetProperty("group").GetProperty("TargetUserName").GetString());
        Assert.Equal(3, m.GetProperty("count").GetInt32());
        Assert.Equal([1L, 4L, 8L], m.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event").GetInt64()));
        Assert.All(m.GetProperty("events").EnumerateArray(), e => Assert.Equal(events, e.GetProperty("source").GetString()));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 10, 4, 0, TimeSpan.Zero), m.GetProperty("last").GetDateTimeOffset());
        Assert.Contains("9 events, 2 matches, 2 rules; 1 of the matches from 1 correlation rules", t.Error);
    }

    [Fact]
    public async Task Selection_flags_enable_rules_by_level_status_and_tag_and_list_the_others_with_the_reason()
    {
        var rules = Path.GetDirectoryName(Write("rules/mr_brute_force.yml", Correlation))!;
        Write("rules/whoami.yml", Whoami);
        var events = Events();

        var t = new TestTerminal();
        Assert.Equal(ExitCodes.Success, await RunAsync(t, "detect", "--rules", rules, "--events", events, "--format", "json", "--min-level", "high", "--status", "stable,test", "--tag", "attack.t1110"));
        var lines = t.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        // Without the filter, svc_backup's three failures count too.
        Assert.Equal(["bob", "svc_backup"], lines.Select(l => l.GetProperty("group").GetProperty("TargetUserName").GetString()).Order());
        Assert.Contains("2 rules are not enabled by the selection", t.Error);
        Assert.Contains("(Whoami): level low is below the minimum level high", t.Error);
        Assert.Contains("(Failed logon): no level (minimum level high); matched only for the correlations that use it", t.Error);

        var tagged = new TestTerminal();
        Assert.Equal(ExitCodes.Success, await RunAsync(tagged, "detect", "--rules", rules, "--events", events, "--format", "json", "--tag", "attack.t1033"));
        Assert.Empty(tagged.Out.Trim());

        var bad = new TestTerminal();
        Assert.Equal(ExitCodes.Usage, await RunAsync(bad, "detect", "--rules", rules, "--events", events, "--min-level", "severe"));
        Assert.Contains("unknown minimum level 'severe'", bad.Error);
    }

    [Fact]
    public async Task A_bad_correlation_is_reported_and_the_other_rules_still_run()
    {
        var rules = Path.GetDirectoryName(Write("rules/mr_brute_force.yml", Correlation))!;
        Write("rules/mr_bad.yml", "title: Bad correlation\ncorrelation:\n  type: event_count\n  rules: [no_such_rule]\n  timespan: 5m\n  condition: {gte: 2}\n");
        var t = new TestTerminal();

        Assert.Equal(ExitCodes.Success, await RunAsync(t, "detect", "--rules", rules, "--events", Events(), "--format", "table"));
        Assert.Contains("1 of 3 rules were not loaded", t.Error);
        Assert.Contains("names rule 'no_such_rule', which is not loaded", t.Error);
        Assert.Contains("Brute force on one account", t.Out);
        Assert.Contains("event_count TargetUserName=bob", t.Out);
    }
}
