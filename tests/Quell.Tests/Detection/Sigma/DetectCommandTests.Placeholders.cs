using System.Text.Json;
using Quell.Detection.Sigma;
using Quell.Server.Cli;
using Quell.Tests.Support;

namespace Quell.Tests.Detection.Sigma;

/// <summary>`quell detect --placeholders`: the expand modifier's values from a pySigma-style vars file.</summary>
public sealed partial class DetectCommandTests
{
    const string AdminLogon = """
        title: Logon by an admin account
        id: 22222222-2222-2222-2222-222222222222
        level: medium
        logsource: {product: windows, service: security}
        detection:
          sel:
            EventID: 4624
            TargetUserName|expand: '%Admins%'
          condition: sel
        """;

    [Fact]
    public async Task Placeholders_from_a_vars_file_expand_and_without_it_the_rule_is_reported()
    {
        var rules = Path.GetDirectoryName(Write("rules/admin.yml", AdminLogon))!;
        var events = Write("logons.ndjson",
            "{\"EventID\": 4624, \"TargetUserName\": \"root\"}\n{\"EventID\": 4624, \"TargetUserName\": \"admin-eve\"}\n{\"EventID\": 4624, \"TargetUserName\": \"bob\"}\n");
        var vars = Write("vars.yml", "name: site placeholders\nvars:\n  Admins:\n    - root\n    - admin-*\n");

        var t = new TestTerminal();
        var code = await RunAsync(t, "detect", "--rules", rules, "--events", events, "--format", "json", "--placeholders", vars);
        Assert.True(code == ExitCodes.Success, t.Error);
        var users = t.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetProperty("TargetUserName").GetString()).ToList();
        Assert.Equal(["root", "admin-eve"], users);

        var without = new TestTerminal();
        await RunAsync(without, "detect", "--rules", rules, "--events", events, "--format", "json");
        Assert.Empty(without.Out.Trim());
        Assert.Contains("placeholder '%Admins%' has no configured value", without.Error);

        var broken = new TestTerminal();
        var bad = Write("bad.yml", "vars:\n  Admins: {nested: map}\n");
        Assert.Equal(ExitCodes.Usage, await RunAsync(broken, "detect", "--rules", rules, "--events", events, "--placeholders", bad));
        Assert.Contains("placeholder 'Admins' must be a value or a list of values", broken.Error);
    }

    [Fact]
    public void A_plain_map_is_read_like_vars()
    {
        var values = SigmaPlaceholders.Parse("Domain_Controllers: dc1\nAdmins: [root, 'admin*']\n", "inline");
        Assert.Equal(["dc1"], values["Domain_Controllers"]);
        Assert.Equal(["root", "admin*"], values["Admins"]);
        Assert.Contains("expected a map", Assert.Throws<SigmaRuleException>(() => SigmaPlaceholders.Parse("- a\n- b\n", "list.yml")).Message);
    }
}
