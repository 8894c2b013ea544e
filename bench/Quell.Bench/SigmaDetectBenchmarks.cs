using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Quell.Detection.Sigma;

namespace Quell.Bench;

/// <summary>
/// One event through the Sigma engine with every SigmaHQ rule loaded (target: ≥ 20,000 events/s per core), against
/// parsing and event access alone. Events are SigmaHQ's regression events (all hits for some rule) and the same
/// with benign values; each invocation handles all of them, so divide by <see cref="Batch"/> for one event.
/// </summary>
[MemoryDiagnoser]
public class SigmaDetectBenchmarks
{
    const int Batch = 1024;
    byte[][] _events = null!;
    SigmaMatcher _matcher = null!;
    readonly List<SigmaRule> _matches = [];

    [GlobalSetup]
    public void Setup()
    {
        var sigma = SigmaBenchData.SigmaDirectory();
        var rules = new List<SigmaRule>();
        foreach (var dir in new[] { "rules", "rules-emerging-threats", "rules-threat-hunting" })
            rules.AddRange(SigmaRuleLoader.LoadDirectory(Path.Combine(sigma, dir)).Rules);
        _matcher = new SigmaEngine(rules).CreateMatcher();
        _events = SigmaBenchData.Events(sigma, Batch);
    }

    [Benchmark(OperationsPerInvoke = Batch, Baseline = true, Description = "parse + event access, no rules")]
    public int ParseOnly()
    {
        var n = 0;
        foreach (var bytes in _events)
        {
            using var doc = JsonDocument.Parse(bytes);
            n += new JsonSigmaEvent(doc.RootElement).Logsource.Key.Length;
        }
        return n;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "parse + match, all SigmaHQ rules")]
    public int Match()
    {
        var n = 0;
        foreach (var bytes in _events)
        {
            using var doc = JsonDocument.Parse(bytes);
            _matches.Clear();
            n += _matcher.Match(new JsonSigmaEvent(doc.RootElement), _matches);
        }
        return n;
    }
}

public static class SigmaBenchData
{
    public static string SigmaDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Quell.slnx")))
            dir = dir.Parent;
        return Path.GetFullPath(Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Quell.slnx not found"), "..", "shared", "testdata", "sigma"));
    }

    /// <summary>The profiles' arguments after the events file: [MAX_EVENTS] [RULE_DIR...] (every SigmaHQ rule directory by default).</summary>
    public static (int Max, string[] Dirs) ProfileArgs(string[] args)
    {
        var max = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
        var sigma = SigmaDirectory();
        string[] dirs = args.Length > 2 ? args[2..] : [.. new[] { "rules", "rules-emerging-threats", "rules-threat-hunting" }.Select(d => Path.Combine(sigma, d))];
        return (max, dirs);
    }

    /// <summary>Regression events, every second one with its process values replaced by benign ones.</summary>
    public static byte[][] Events(string sigma, int count)
    {
        var source = new List<JsonElement>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(sigma, "regression_data"), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            source.AddRange(SigmaEventReader.ReadAll(File.ReadAllBytes(file)));
        var result = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            var text = source[i % source.Count].GetRawText();
            if (i % 2 == 1)
            {
                var node = System.Text.Json.Nodes.JsonNode.Parse(text)!;
                if (node["Event"]?["EventData"] is System.Text.Json.Nodes.JsonObject data)
                    foreach (var key in new[] { "Image", "CommandLine", "TargetFilename", "TargetObject", "ImageLoaded", "ParentImage" })
                        if (data.ContainsKey(key))
                            data[key] = $@"C:\Program Files\Vendor\app{i}.exe --sync {i}";
                text = node.ToJsonString();
            }
            result[i] = System.Text.Encoding.UTF8.GetBytes(text);
        }
        return result;
    }
}
