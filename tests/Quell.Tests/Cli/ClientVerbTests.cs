using System.Net;
using System.Text.Json;
using Quell.Server.Cli;
using Quell.Server.Cli.Client;
using Quell.Tests.Support;

namespace Quell.Tests.Cli;

/// <summary>`quell alert ...` and `quell case ...` against a real server, as a user runs them.</summary>
public sealed class ClientVerbTests(SqliteServer server) : IClassFixture<SqliteServer>, IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("quell-cli-").FullName;

    ClientSettings Settings(string? apiKey = TestServer.AdminKey) => new(server.BaseAddress.ToString(), apiKey);

    static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..10];

    static string AlertJson(string source, string sourceRef, string title = "Suspicious login", int severity = 3) =>
        JsonSerializer.Serialize(new
        {
            type = "siem",
            source,
            sourceRef,
            title,
            severity,
            tags = new[] { "cli" },
            observables = new[] { new { dataType = "ip", data = "203.0.113.7" } },
        });

    string WriteFile(string content)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task Submitting_one_alert_prints_created_then_updated_with_the_same_id()
    {
        var source = Unique("src");
        var file = WriteFile(AlertJson(source, "REF-1"));

        var first = new TestTerminal();
        Assert.Equal(ExitCodes.Success, await new AlertVerbs(first.Terminal, Settings()).SubmitAsync(file));
        var second = new TestTerminal();
        Assert.Equal(ExitCodes.Success, await new AlertVerbs(second.Terminal, Settings()).SubmitAsync(file));

        var id = System.Text.RegularExpressions.Regex.Match(first.Out, @"created alert (\d+)").Groups[1].Value;
        Assert.True(id.Length > 0, first.ToString());
        Assert.Contains($"updated alert {id} {source}/REF-1: Suspicious login", second.Out);
    }

    [Fact]
    public async Task Submitting_an_array_from_standard_input_uses_bulk_and_counts_created_and_updated()
    {
        var source = Unique("bulk");
        using (var client = server.Client())
            await client.PostJsonAsync("/api/v1/alerts", AlertJson(source, "A")).ExpectAsync(HttpStatusCode.Created);
        var terminal = new TestTerminal($"[{AlertJson(source, "A")},{AlertJson(source, "B")}]");

        var code = await new AlertVerbs(terminal.Terminal, Settings()).SubmitAsync("-");

        Assert.True(code == ExitCodes.Success, terminal.ToString());
        Assert.Contains("2 alerts: 1 created, 1 updated", terminal.Out);
        using var check = server.Client();
        var list = await check.GetAsync($"/api/v1/alerts?source={source}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, list.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task A_missing_file_is_a_usage_error()
    {
        var terminal = new TestTerminal();
        var code = await new AlertVerbs(terminal.Terminal, Settings()).SubmitAsync(Path.Combine(_dir, "absent.json"));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("error: cannot read", terminal.Error);
        Assert.Contains("absent.json", terminal.Error);
    }

    [Fact]
    public async Task Invalid_json_is_a_usage_error_and_nothing_is_sent()
    {
        var source = Unique("broken");
        var file = WriteFile(AlertJson(source, "R")[..^5]);
        var terminal = new TestTerminal();

        var code = await new AlertVerbs(terminal.Terminal, Settings()).SubmitAsync(file);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("is not valid JSON", terminal.Error);
        using var client = server.Client();
        var list = await client.GetAsync($"/api/v1/alerts?source={source}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, list.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task An_invalid_alert_fails_with_the_servers_message_and_field_errors()
    {
        var file = WriteFile(AlertJson(Unique("bad"), "R", severity: 9));
        var terminal = new TestTerminal();

        var code = await new AlertVerbs(terminal.Terminal, Settings()).SubmitAsync(file);

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("error: severity must be 1-4", terminal.Error);
        Assert.Contains("  severity: severity must be 1-4", terminal.Error);
        Assert.Equal("", terminal.Out);
    }

    [Fact]
    public async Task Alert_list_filters_by_source_and_prints_json_that_parses()
    {
        var source = Unique("list");
        using (var client = server.Client())
        {
            await client.PostJsonAsync("/api/v1/alerts", AlertJson(source, "one", "First alert", 2)).ExpectAsync(HttpStatusCode.Created);
            await client.PostJsonAsync("/api/v1/alerts", AlertJson(source, "two", "Second alert", 4)).ExpectAsync(HttpStatusCode.Created);
            await client.PostJsonAsync("/api/v1/alerts", AlertJson(Unique("other"), "three", "Not this one")).ExpectAsync(HttpStatusCode.Created);
        }

        var table = new TestTerminal();
        Assert.Equal(ExitCodes.Success, await new AlertVerbs(table.Terminal, Settings()).ListAsync(new AlertFilter(Source: source), json: false));
        var json = new TestTerminal();
        Assert.Equal(ExitCodes.Success, await new AlertVerbs(json.Terminal, Settings()).ListAsync(new AlertFilter(Source: source, Severity: "4"), json: true));

        Assert.Contains("First alert", table.Out);
        Assert.Contains("4 critical", table.Out);
        Assert.DoesNotContain("Not this one", table.Out);
        var items = JsonDocument.Parse(json.Out).RootElement.GetProperty("items");
        Assert.Equal(["Second alert"], items.EnumerateArray().Select(a => a.GetProperty("title").GetString()));
    }

    [Fact]
    public async Task Markup_and_control_characters_in_alert_values_are_shown_as_inert_text()
    {
        var source = Unique("hostile");
        var title = "[red]pwned[/] \u001b[2J\u001b]0;owned\u0007 \u202Egnp.exe";
        using (var client = server.Client())
            await client.PostJsonAsync("/api/v1/alerts", AlertJson(source, "x", title)).ExpectAsync(HttpStatusCode.Created);
        var terminal = new TestTerminal();

        var code = await new AlertVerbs(terminal.Terminal, Settings()).ListAsync(new AlertFilter(Source: source), json: false);

        Assert.True(code == ExitCodes.Success, terminal.ToString());
        Assert.Contains("[red]pwned[/]", terminal.Out);
        Assert.DoesNotContain('\u001b', terminal.Out);
        Assert.DoesNotContain('\u0007', terminal.Out);
        Assert.DoesNotContain('\u202E', terminal.Out);
    }

    [Fact]
    public async Task Case_list_and_show_print_summary_observables_tasks_and_linked_alerts()
    {
        var tag = Unique("tag");
        long number;
        using (var client = server.Client())
        {
            var created = await client.PostJsonAsync("/api/v1/cases", JsonSerializer.Serialize(new
            {
                title = "Phishing wave",
                severity = 4,
                tags = new[] { tag },
                description = "Reported by three users",
                tasks = new[] { new { title = "Collect headers" }, new { title = "Purge mailboxes" } },
                observables = new[] { new { dataType = "mail", data = "ceo@evil.example", ioc = true } },
            })).ExpectAsync(HttpStatusCode.Created);
            number = created.GetProperty("number").GetInt64();
            var alert = await client.PostJsonAsync("/api/v1/alerts", AlertJson(Unique("mail"), "m1", "Reported mail")).ExpectAsync(HttpStatusCode.Created);
            await client.PostAsync($"/api/v1/alerts/{alert.GetProperty("id")}/merge/{created.GetProperty("id")}", null).ExpectAsync(HttpStatusCode.OK);
        }

        var list = new TestTerminal();
        Assert.Equal(ExitCodes.Success, await new CaseVerbs(list.Terminal, Settings()).ListAsync(new CaseFilter(Tag: tag), json: false));
        var show = new TestTerminal();
        Assert.Equal(ExitCodes.Success, await new CaseVerbs(show.Terminal, Settings()).ShowAsync(number, json: false));

        Assert.Contains("Phishing wave", list.Out);
        Assert.Contains($"Case #{number} Phishing wave", show.Out);
        Assert.Contains("Reported by three users", show.Out);
        Assert.Contains("ceo@evil.example", show.Out);
        Assert.Contains("Purge mailboxes", show.Out);
        Assert.Contains("Reported mail", show.Out);
    }

    [Fact]
    public async Task Showing_an_unknown_case_number_exits_not_found()
    {
        var terminal = new TestTerminal();
        var code = await new CaseVerbs(terminal.Terminal, Settings()).ShowAsync(987654, json: false);

        Assert.Equal(ExitCodes.NotFound, code);
        Assert.Contains("error: case number 987654 does not exist", terminal.Error);
    }

    [Fact]
    public async Task A_wrong_api_key_exits_refused()
    {
        var terminal = new TestTerminal();
        var code = await new CaseVerbs(terminal.Terminal, Settings("qk_not_a_real_key")).ListAsync(new CaseFilter(), json: false);

        Assert.Equal(ExitCodes.Refused, code);
        Assert.Contains("check --api-key or QUELL_API_KEY", terminal.Error);
    }

    [Fact]
    public async Task A_read_only_key_submitting_an_alert_exits_refused()
    {
        var key = await server.CreateUserKeyAsync("read-only");
        var terminal = new TestTerminal();

        var code = await new AlertVerbs(terminal.Terminal, Settings(key)).SubmitAsync(WriteFile(AlertJson(Unique("ro"), "r")));

        Assert.Equal(ExitCodes.Refused, code);
        Assert.Contains("role may not do this", terminal.Error);
    }

    [Fact]
    public async Task An_unreachable_server_exits_unreachable()
    {
        var terminal = new TestTerminal();
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        var code = await new AlertVerbs(terminal.Terminal, new ClientSettings("http://127.0.0.1:1", "qk_x")).ListAsync(new AlertFilter(), json: false);

        Assert.Equal(ExitCodes.Unreachable, code);
        Assert.Contains("error: cannot reach the Quell server at http://127.0.0.1:1/", terminal.Error);
    }

    [Fact]
    public async Task A_missing_api_key_is_a_usage_error()
    {
        var terminal = new TestTerminal();
        var code = await new AlertVerbs(terminal.Terminal, Settings(apiKey: null)).ListAsync(new AlertFilter(), json: false);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("no API key", terminal.Error);
    }

    [Fact]
    public async Task A_large_array_is_sent_in_batches_and_all_alerts_arrive()
    {
        var source = Unique("batches");
        var terminal = new TestTerminal($"[{string.Join(',', Enumerable.Range(0, 5).Select(i => AlertJson(source, $"r{i}")))}]");

        var code = await new AlertVerbs(terminal.Terminal, Settings()) { BatchSize = 2 }.SubmitAsync("-");

        Assert.True(code == ExitCodes.Success, terminal.ToString());
        Assert.Contains("5 alerts: 5 created, 0 updated", terminal.Out);
        using var client = server.Client();
        var list = await client.GetAsync($"/api/v1/alerts?source={source}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(5, list.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task A_refused_later_batch_names_the_alert_by_its_place_in_the_file_and_what_was_submitted()
    {
        var source = Unique("halfway");
        var alerts = Enumerable.Range(0, 5).Select(i => AlertJson(source, $"r{i}", severity: i == 3 ? 9 : 2));
        var terminal = new TestTerminal($"[{string.Join(',', alerts)}]");

        var code = await new AlertVerbs(terminal.Terminal, Settings()) { BatchSize = 2 }.SubmitAsync("-");

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("error: [3].severity must be 1-4", terminal.Error);
        Assert.Contains("alerts [0]-[1] were submitted; [2] onward were not", terminal.Error);
        using var client = server.Client();
        var list = await client.GetAsync($"/api/v1/alerts?source={source}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, list.GetProperty("items").GetArrayLength());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
