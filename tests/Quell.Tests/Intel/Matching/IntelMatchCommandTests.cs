using System.CommandLine;
using Quell.Server.Cli;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Matching;

/// <summary>`quell intel match` through the real System.CommandLine parser, on small files.</summary>
public sealed class IntelMatchCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("quell-match-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string File(string name, params string[] lines)
    {
        var path = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(path, string.Join('\n', lines));
        return path;
    }

    static async Task<int> RunAsync(TestTerminal t, params string[] args)
    {
        var parserOutput = new StringWriter();
        var root = new RootCommand("quell") { IntelCommand.Create(t.Terminal) };
        return await ExitCodes.InvokeAsync(root.Parse(args), new InvocationConfiguration { Output = parserOutput, Error = parserOutput });
    }

    [Fact]
    public async Task Prints_the_matching_values_in_input_order()
    {
        var indicators = File("ind.txt",
            "evil.example", "10.0.0.0/8", "D41D8CD98F00B204E9800998ECF8427E", "hxxp://phish[.]example/login", "bad@mail.example", "2001:db8::/32");
        var values = File("values.txt",
            "www.evil.example", "notevil.example", "10.20.30.40", "11.0.0.1", "d41d8cd98f00b204e9800998ecf8427e",
            "http://phish.example/login", "http://phish.example/other", "BAD@mail.example", "2001:db8:1::5\r", "",
            "https://a.evil.example/x?y=1");
        var t = new TestTerminal();

        var code = await RunAsync(t, "intel", "match", "--indicators", indicators, values);

        Assert.True(code == ExitCodes.Success, t.ToString());
        Assert.Equal(
            ["www.evil.example", "10.20.30.40", "d41d8cd98f00b204e9800998ecf8427e", "http://phish.example/login", "BAD@mail.example", "2001:db8:1::5",
             "https://a.evil.example/x?y=1"],
            t.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", t.Error);
    }

    [Fact]
    public async Task Lines_without_a_type_are_reported_with_their_count()
    {
        var indicators = File("ind.txt", "evil.example", "not an indicator", "", "\u0001bad", "999.1.1.1.1");
        var values = File("values.txt", "evil.example");
        var t = new TestTerminal();

        var code = await RunAsync(t, "intel", "match", "--indicators", indicators, values);

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal("evil.example\n", t.Out);
        Assert.Contains("3 of 4 indicator lines have no recognizable type", t.Error);
        Assert.Contains("line 2: 'not an indicator'", t.Error);
        Assert.Contains("line 4: '\\u0001bad'", t.Error);
    }

    [Fact]
    public async Task Values_longer_than_a_block_stream_through()
    {
        var indicators = File("ind.txt", "evil.example");
        var lines = Enumerable.Range(0, 300_000).Select(i => i % 1000 == 7 ? $"h{i}.evil.example" : $"h{i}.good.example").ToArray();
        var values = File("values.txt", lines);
        var t = new TestTerminal();

        Assert.Equal(ExitCodes.Success, await RunAsync(t, "intel", "match", "--indicators", indicators, values));

        Assert.Equal(lines.Where(l => l.EndsWith(".evil.example", StringComparison.Ordinal)), t.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_missing_file_exits_with_the_usage_code_and_says_which()
    {
        var values = File("values.txt", "x");
        var t = new TestTerminal();

        Assert.Equal(ExitCodes.Usage, await RunAsync(t, "intel", "match", "--indicators", Path.Combine(_dir, "nope.txt"), values));
        Assert.Contains("nope.txt' does not exist", t.Error);

        var t2 = new TestTerminal();
        Assert.Equal(ExitCodes.Usage, await RunAsync(t2, "intel", "match", "--indicators", values, Path.Combine(_dir, "gone.txt")));
        Assert.Contains("gone.txt' does not exist", t2.Error);
    }

    [Fact]
    public async Task Values_may_come_from_standard_input()
    {
        var indicators = File("ind.txt", "192.0.2.0/24");
        var t = new TestTerminal("192.0.2.9\n198.51.100.1\n");

        Assert.Equal(ExitCodes.Success, await RunAsync(t, "intel", "match", "--indicators", indicators, "-"));
        Assert.Equal("192.0.2.9\n", t.Out);
    }
}
