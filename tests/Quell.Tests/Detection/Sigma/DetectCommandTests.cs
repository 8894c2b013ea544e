using System.CommandLine;
using System.Text.Json;
using Quell.Server.Cli;
using Quell.Tests.Support;

namespace Quell.Tests.Detection.Sigma;

/// <summary>`quell detect` through the real System.CommandLine parser.</summary>
public sealed partial class DetectCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("quell-detect-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    static async Task<int> RunAsync(TestTerminal t, params string[] args)
    {
        var parserOutput = new StringWriter();
        var root = new RootCommand("quell") { DetectCommand.Create(t.Terminal) };
        return await ExitCodes.InvokeAsync(root.Parse(args), new InvocationConfiguration { Output = parserOutput, Error = parserOutput });
    }

    [Fact]
    public async Task Regression_events_print_one_json_line_per_match_with_rule_source_and_event()
    {
        var files = Directory.EnumerateFiles(TestData.Shared("sigma", "regression_data", "rules"), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        var t = new TestTerminal();

        var code = await RunAsync(t, ["detect", "--rules", TestData.Shared("sigma", "rules"), "--format", "json", "--events", .. files]);

        Assert.True(code == ExitCodes.Success, t.Error);
        var lines = t.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        foreach (var file in files)
        {
            // Each regression file is named after the rule it was made for: that rule fires on it.
            var ruleId = Path.GetFileNameWithoutExtension(file);
            var own = lines.Where(l => l.GetProperty("source").GetString() == file && l.GetProperty("rule").GetProperty("id").GetString() == ruleId).ToList();
            Assert.True(own.Count >= 1, $"rule {ruleId} did not fire on {file}");
            Assert.All(own, l => Assert.Equal(JsonValueKind.Object, l.GetProperty("event").GetProperty("Event").GetProperty("System").ValueKind));
        }
        var first = lines[0].GetProperty("rule");
        Assert.False(string.IsNullOrEmpty(first.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(first.GetProperty("level").GetString()));
        Assert.Equal(JsonValueKind.Array, first.GetProperty("tags").ValueKind);
        Assert.Contains($"{lines.Count:N0} matches", t.Error);
    }

    const string Good = "title: Whoami\nid: 11111111-1111-1111-1111-111111111111\nlevel: low\ntags: [attack.t1033]\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel: {CommandLine|contains: whoami}\n  condition: sel\n";

    [Fact]
    public async Task Ndjson_is_streamed_and_bad_rules_and_lines_are_reported()
    {
        var rules = Path.GetDirectoryName(Write("rules/good.yml", Good))!;
        Write("rules/sub/bad.yml", "title: Bad\nlogsource: {product: windows}\ndetection:\n  sel: {CommandLine|contans: x}\n  condition: sel\n");
        var events = Write("events.ndjson",
            "{\"process\": {\"command_line\": \"whoami /all\"}, \"event\": {\"category\": \"process\"}}\n" +
            "{\"process\": {\"command_line\": \"dir\"}}\n" +
            "{not json\n" +
            "\n" +
            "{\"CommandLine\": \"WHOAMI\"}\n");
        var t = new TestTerminal();

        var code = await RunAsync(t, "detect", "--rules", rules, "--events", events, "--format", "json");

        Assert.Equal(ExitCodes.Failed, code);
        var lines = t.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("whoami /all", JsonDocument.Parse(lines[0]).RootElement.GetProperty("event").GetProperty("process").GetProperty("command_line").GetString());
        Assert.Equal("WHOAMI", JsonDocument.Parse(lines[1]).RootElement.GetProperty("event").GetProperty("CommandLine").GetString());
        Assert.Contains("1 of 2 rules were not loaded", t.Error);
        Assert.Contains("unknown modifier 'contans'", t.Error);
        Assert.Contains("1 events were not JSON objects", t.Error);
        Assert.Contains("event 3:", t.Error);
    }

    [Fact]
    public async Task Table_format_lists_matches()
    {
        var rules = Path.GetDirectoryName(Write("rules/good.yml", Good))!;
        var events = Write("events.json", "[{\"CommandLine\": \"whoami\"}, {\"CommandLine\": \"ls\"}]");
        var t = new TestTerminal();

        Assert.Equal(ExitCodes.Success, await RunAsync(t, "detect", "--rules", rules, "--events", events));
        Assert.Contains("Whoami", t.Out);
        Assert.Contains("11111111-1111-1111-1111-111111111111", t.Out);
        Assert.Contains("2 events, 1 matches, 1 rules", t.Error);
    }

    [Fact]
    public async Task Bad_arguments_exit_with_usage_and_say_what_is_wrong()
    {
        var rules = Path.GetDirectoryName(Write("rules/good.yml", Good))!;
        var events = Write("events.json", "[{\"a\": 1}]");
        var notJson = Write("bad.json", "[{\"a\": 1},");

        var t = new TestTerminal();
        Assert.Equal(ExitCodes.Usage, await RunAsync(t, "detect", "--rules", Path.Combine(_dir, "nope"), "--events", events));
        Assert.Contains("the rules directory", t.Error);

        t = new TestTerminal();
        Assert.Equal(ExitCodes.Usage, await RunAsync(t, "detect", "--rules", rules, "--events", Path.Combine(_dir, "missing.json")));
        Assert.Contains("the events file", t.Error);

        t = new TestTerminal();
        Assert.Equal(ExitCodes.Usage, await RunAsync(t, "detect", "--rules", rules, "--events", notJson));
        Assert.Contains("is not JSON events", t.Error);

        Assert.Equal(ExitCodes.Usage, await RunAsync(new TestTerminal(), "detect", "--rules", rules, "--events", events, "--format", "xml"));
        Assert.Equal(ExitCodes.Usage, await RunAsync(new TestTerminal(), "detect", "--events", events));
    }
}
