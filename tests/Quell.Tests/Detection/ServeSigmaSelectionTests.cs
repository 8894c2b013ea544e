using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Quell.Detection;
using Quell.Server;
using Quell.Server.Cli;
using Quell.Tests.Detection.Sigma;

namespace Quell.Tests.Detection;

/// <summary>`quell serve --sigma-min-level/--sigma-status/--sigma-tag` reach the rule set the server detects with.</summary>
public sealed class ServeSigmaSelectionTests
{
    [Fact]
    public async Task Serve_options_select_the_rules_detected_at_ingest_and_list_the_others()
    {
        var settings = ServeCommand.Settings(ServeCommand.Create().Parse(["--sigma-min-level", "high", "--sigma-status", "stable,test", "--sigma-tag", "attack.t1110"]));
        Assert.Equal(new SigmaSelectionSettings("high", "stable,test", "attack.t1110"), settings.SigmaSelection);
        Assert.Null(settings.SigmaSelection!.Validate());
        var data = Directory.CreateTempSubdirectory("quell-sigma-opts-").FullName;
        try
        {
            var rules = Directory.CreateDirectory(Path.Combine(data, "rules")).FullName;
            File.WriteAllText(Path.Combine(rules, "mr_brute_force.yml"), SigmaTestRules.BruteForce("50000000-0000-0000-0000-000000000001"));
            var app = QuellHost.Build(settings with { Urls = "http://127.0.0.1:0", DataDirectory = data, SigmaRules = rules });
            var catalog = await app.Services.GetRequiredService<SigmaRuleSet>().CatalogAsync();
            Assert.NotNull(catalog);
            Assert.Equal(["Brute force on one account"], catalog.Correlations.Select(c => c.Title));
            var notEnabled = Assert.Single(catalog.NotEnabled);
            Assert.Equal(("Failed logon", "no level (minimum level high); matched only for the correlations that use it"), (notEnabled.Title, notEnabled.Reason));
            Assert.False(catalog.Reports(Assert.Single(catalog.Engine.Rules)));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void A_bad_selection_is_refused_naming_the_accepted_values()
    {
        var settings = ServeCommand.Settings(ServeCommand.Create().Parse(["--sigma-status", "stable,beta"]));
        Assert.Equal("unknown rule status 'beta' (any of stable, test, experimental, deprecated, unsupported)", settings.SigmaSelection!.Validate());
        Assert.Null(ServeCommand.Settings(ServeCommand.Create().Parse([])).SigmaSelection);
    }

    [Fact]
    public async Task Detection_sigma_placeholders_expand_at_ingest_and_an_unreadable_file_disables_sigma()
    {
        var data = Directory.CreateTempSubdirectory("quell-sigma-vars-").FullName;
        try
        {
            var rules = Directory.CreateDirectory(Path.Combine(data, "rules")).FullName;
            File.WriteAllText(Path.Combine(rules, "admins.yml"),
                "title: Admin logon\nlogsource: {product: windows, service: security}\ndetection:\n  sel: {TargetUserName|expand: '%Admins%'}\n  condition: sel\n");
            var vars = Path.Combine(data, "vars.yml");
            File.WriteAllText(vars, "vars:\n  Admins: [root, 'adm-*']\n");
            SigmaRuleSet Set(string placeholders) => new(Options.Create(new DetectionOptions { SigmaRules = rules, Sigma = new SigmaOptions { Placeholders = placeholders } }), NullLogger<SigmaRuleSet>.Instance);

            var catalog = await Set(vars).CatalogAsync();
            Assert.NotNull(catalog);
            Assert.Empty(catalog.Problems);
            Assert.Equal(["Admin logon"], catalog.Engine.Rules.Select(r => r.Title));
            Assert.Null(await Set(Path.Combine(data, "missing.yml")).CatalogAsync());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
