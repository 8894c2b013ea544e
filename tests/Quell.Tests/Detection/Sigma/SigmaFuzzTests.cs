using System.Text;
using System.Text.Json;
using Quell.Detection.Sigma;
using Quell.Tests.Support;

namespace Quell.Tests.Detection.Sigma;

/// <summary>Random and mutated rules never throw anything but a load problem; loaded ones never throw when matching.</summary>
public sealed class SigmaFuzzTests
{
    static readonly string[] ConditionWords = ["sel", "sel_a", "filter", "and", "or", "not", "(", ")", "1", "all", "of", "them", "sel*", "|", "count()", ">", "x", "", "0", "2"];

    static readonly JsonSigmaEvent[] Events =
    [
        new(JsonDocument.Parse("""{"A":"x","B":"y","CommandLine":"cmd /c whoami","EventID":1,"Arr":["a","b"],"N":null,"O":{"p":1}}""").RootElement),
        new(JsonDocument.Parse("""{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"Image":"C:\\a.exe"}}}""").RootElement),
        new(JsonDocument.Parse("{}").RootElement),
    ];

    [Fact]
    public void Random_conditions_are_loaded_or_reported()
    {
        var random = new Random(11);
        for (var i = 0; i < 5_000; i++)
        {
            var words = Enumerable.Range(0, random.Next(1, 12)).Select(_ => ConditionWords[random.Next(ConditionWords.Length)]);
            var condition = string.Join(' ', words).Replace("'", "", StringComparison.Ordinal);
            var yaml = $"title: t\nlogsource: {{product: x}}\ndetection:\n  sel: {{A: x}}\n  sel_a: {{B|contains: y}}\n  filter: {{C: null}}\n  condition: '{condition}'\n";
            Check(yaml);
        }
    }

    [Fact]
    public void Mutated_sigmahq_rules_are_loaded_or_reported()
    {
        var random = new Random(7);
        var files = Directory.EnumerateFiles(TestData.Shared("sigma", "rules"), "*.yml", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        const string noise = "|*?\\:-[]{}'\"\n #&!%@`,>";
        for (var i = 0; i < 3_000; i++)
        {
            var text = new StringBuilder(File.ReadAllText(files[random.Next(files.Length)]));
            var edits = random.Next(1, 6);
            for (var e = 0; e < edits && text.Length > 0; e++)
            {
                var at = random.Next(text.Length);
                switch (random.Next(3))
                {
                    case 0: text[at] = noise[random.Next(noise.Length)]; break;
                    case 1: text.Insert(at, noise[random.Next(noise.Length)]); break;
                    default: text.Remove(at, Math.Min(random.Next(1, 20), text.Length - at)); break;
                }
            }
            Check(text.ToString());
        }
    }

    static void Check(string yaml)
    {
        var result = SigmaRuleReader.Read(yaml, "fuzz.yml");
        Assert.True(result.Rules.Count + result.Problems.Count >= 1, "a document was neither loaded nor reported");
        if (result.Rules.Count == 0)
            return;
        var matcher = new SigmaEngine(result.Rules).CreateMatcher();
        foreach (var e in Events)
        {
            matcher.Match(e, []);
            foreach (var r in result.Rules)
                r.Matches(e);
        }
    }
}
