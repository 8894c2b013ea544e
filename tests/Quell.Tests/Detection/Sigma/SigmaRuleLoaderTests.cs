using System.Text.Json;
using Quell.Detection.Sigma;
using Quell.Tests.Support;
using Xunit.Abstractions;

namespace Quell.Tests.Detection.Sigma;

public sealed class SigmaRuleLoaderTests(ITestOutputHelper output)
{
    [Fact]
    public void SigmaHQ_rule_directories_load_and_every_refusal_has_a_reason()
    {
        var total = 0;
        foreach (var dir in new[] { "rules", "rules-emerging-threats", "rules-threat-hunting" })
        {
            var path = TestData.Shared("sigma", dir);
            var files = Directory.EnumerateFiles(path, "*.yml", SearchOption.AllDirectories).Count();
            var result = SigmaRuleLoader.LoadDirectory(path);
            output.WriteLine($"{dir}: {files} files, {result.Rules.Count} rules loaded, {result.Problems.Count} not loaded");
            foreach (var group in result.Problems.GroupBy(p => p.Reason.Split(" (field")[0]).OrderByDescending(g => g.Count()))
                output.WriteLine($"  {group.Count()} × {group.Key}");
            Assert.Equal(files, result.Rules.Count + result.Problems.Count);
            Assert.All(result.Problems, p => Assert.False(string.IsNullOrWhiteSpace(p.Reason)));
            // SigmaHQ's rules are valid Sigma: only features this engine leaves out may be refused.
            Assert.All(result.Problems, p => Assert.Matches("correlation|filter documents|placeholder", p.Reason));
            total += result.Rules.Count;
        }
        Assert.True(total > 3500, $"only {total} rules loaded");
    }

    [Fact]
    public void A_directory_reports_bad_files_next_to_good_ones()
    {
        var dir = Directory.CreateTempSubdirectory("sigma-load-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "good.yml"), "title: g\nlogsource: {product: x}\ndetection: {s: {A: x}, condition: s}\n");
            File.WriteAllText(Path.Combine(dir.FullName, "bad.yaml"), "title: b\nlogsource: {product: x}\ndetection: {s: {A|nope: x}, condition: s}\n");
            File.WriteAllText(Path.Combine(dir.FullName, "notes.txt"), "not a rule");
            var result = SigmaRuleLoader.LoadDirectory(dir.FullName);
            Assert.Equal("g", Assert.Single(result.Rules).Title);
            var problem = Assert.Single(result.Problems);
            Assert.EndsWith("bad.yaml", problem.Source);
            Assert.Contains("unknown modifier 'nope'", problem.Reason);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    /// <summary>All SigmaHQ rules at once on every regression event: matching is consistent with rule-by-rule evaluation.</summary>
    [Fact]
    public void The_prefilter_never_loses_a_match_on_the_regression_events()
    {
        var rules = SigmaRuleLoader.LoadDirectory(TestData.Shared("sigma", "rules")).Rules;
        var engine = new SigmaEngine(rules);
        var matcher = engine.CreateMatcher();
        var root = TestData.Shared("sigma", "regression_data");
        var events = 0;
        foreach (var file in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories))
            foreach (var json in SigmaEventReader.ReadAll(File.ReadAllBytes(file)))
            {
                var e = new JsonSigmaEvent(json);
                var viaEngine = new List<SigmaRule>();
                matcher.Match(e, viaEngine);
                var direct = rules.Where(r => e.Logsource.Accepts(r.Logsource) && r.Matches(e)).ToList();
                Assert.Equal(direct.Select(r => r.Id), viaEngine.Select(r => r.Id));
                events++;
            }
        output.WriteLine($"{events} events checked against {rules.Count} rules");
    }
}
