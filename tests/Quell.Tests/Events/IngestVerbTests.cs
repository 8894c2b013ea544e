using System.Net.Http.Json;
using System.Text.Json;
using Quell.Server.Cli;
using Quell.Server.Cli.Client;
using Quell.Tests.Support;

namespace Quell.Tests.Events;

public sealed class IngestVerbTests(SqliteServer server) : IClassFixture<SqliteServer>, IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("quell-ingest-").FullName;

    ClientSettings Settings => new(server.BaseAddress.ToString(), TestServer.AdminKey);

    async Task<List<JsonElement>> SearchAsync(string q)
    {
        using var c = server.Client();
        var page = await c.GetFromJsonAsync<JsonElement>("/api/v1/events?limit=1000&q=" + Uri.EscapeDataString(q));
        return page.GetProperty("items").EnumerateArray().ToList();
    }

    [Fact]
    public async Task Bad_lines_are_reported_with_their_numbers_and_the_rest_is_sent_in_batches()
    {
        var marker = "CLI" + Guid.NewGuid().ToString("N")[..8];
        var path = Path.Combine(_dir, "events.ndjson");
        var lines = Enumerable.Range(1, 10).Select(i => $$"""{"m":"{{marker}}","n":{{i}}}""").ToList();
        lines[3] = "{not json";
        lines[6] = "[1,2]";
        await File.WriteAllLinesAsync(path, lines);

        var terminal = new TestTerminal();
        var exit = await new IngestVerbs(terminal.Terminal, Settings) { BatchEvents = 3 }.IngestAsync([path], "cli-test");

        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains($"{path}:4: not valid JSON", terminal.Error);
        Assert.Contains($"{path}:7: an event must be a JSON object", terminal.Error);
        Assert.Contains("sent 8 events from 1 file(s); 2 bad record(s) left out; 0 event(s) refused", terminal.Out);
        var stored = await SearchAsync(marker);
        Assert.Equal([1L, 2, 3, 5, 6, 8, 9, 10], stored.Select(e => e.GetProperty("fields").GetProperty("n").GetInt64()).Order());
        Assert.All(stored, e => Assert.Equal("cli-test", e.GetProperty("source").GetString()));
    }

    [Fact]
    public async Task Windows_event_json_files_are_sent_and_normalized()
    {
        var path = TestData.Shared("sigma", "regression_data", "rules", "windows", "process_creation", "proc_creation_win_findstr_security_keyword_lookup",
            "4fe074b4-b833-4081-8f24-7dcfeca72b42.json");
        var source = "win-" + Guid.NewGuid().ToString("N")[..6];
        var terminal = new TestTerminal();
        Assert.Equal(ExitCodes.Success, await new IngestVerbs(terminal.Terminal, Settings).IngestAsync([path], source));
        Assert.Contains("sent 3 events", terminal.Out);
        using var c = server.Client();
        var page = await c.GetFromJsonAsync<JsonElement>("/api/v1/events?limit=10&q=" + Uri.EscapeDataString("Image:C:\\Windows\\System32\\findstr.exe"));
        var items = page.GetProperty("items").EnumerateArray().Where(e => e.GetProperty("source").GetString() == source).ToList();
        Assert.NotEmpty(items);
        Assert.All(items, e => Assert.Equal(@"C:\Windows\System32\findstr.exe", e.GetProperty("fields").GetProperty("process.executable").GetString()));
    }

    [Fact]
    public async Task A_missing_file_is_a_usage_error()
    {
        var terminal = new TestTerminal();
        Assert.Equal(ExitCodes.Usage, await new IngestVerbs(terminal.Terminal, Settings).IngestAsync([Path.Combine(_dir, "nope.json")], null));
        Assert.Contains("cannot read", terminal.Error);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
