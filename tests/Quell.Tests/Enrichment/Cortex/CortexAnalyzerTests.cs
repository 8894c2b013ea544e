using System.Net;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Enrichment.Cortex;

/// <summary>Cortex analyzers run unmodified, as real processes (Python 3 and sh), through the job directory protocol.</summary>
public sealed class CortexAnalyzerTests(CortexSqliteServer server) : IClassFixture<CortexSqliteServer>
{
    const string Fake = "cortex:Fake_Lookup";
    const string Key = "fake-key-0123456789";

    async Task<HttpClient> ClientAsync(object? extra = null)
    {
        var client = server.Client(await server.CreateOtherOrganisationKeyAsync());
        var config = new Dictionary<string, object> { ["api_key"] = Key, ["tags"] = "phishing, mail", ["verbose"] = true };
        foreach (var p in JsonSerializer.SerializeToElement(extra ?? new { }).EnumerateObject())
            config[p.Name] = p.Value;
        await client.ConfigureAsync(Fake, new { enabled = true, config, timeout = 20 }).ExpectAsync(HttpStatusCode.OK);
        return client;
    }

    static JsonElement Analyzer(JsonElement list, string name) =>
        list.GetProperty("items").EnumerateArray().Single(a => a.GetProperty("name").GetString() == name);

    [Fact]
    public async Task Flavours_are_listed_with_their_types_items_and_limits_and_broken_ones_are_not()
    {
        using var client = server.Client();
        var list = await client.GetAsync("/api/v1/analyzers").ExpectAsync(HttpStatusCode.OK);

        var fake = Analyzer(list, Fake);
        Assert.Equal(["domain", "fqdn", "ip", "file"], fake.GetProperty("dataTypes").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("AMBER", fake.GetProperty("maxTlp").GetString());
        Assert.Equal("AMBER", fake.GetProperty("maxPap").GetString());
        var items = fake.GetProperty("configItems").EnumerateArray().ToDictionary(i => i.GetProperty("name").GetString()!);
        Assert.True(items["api_key"].GetProperty("secret").GetBoolean());
        Assert.True(items["api_key"].GetProperty("required").GetBoolean());
        Assert.False(items["threshold"].GetProperty("required").GetBoolean()); // it has a default
        Assert.Contains("default \"25\"", items["threshold"].GetProperty("description").GetString());
        Assert.False(items["tags"].GetProperty("secret").GetBoolean());
        Assert.Contains("proxy_http", items.Keys);

        // The real AbuseIPDB flavour: key is secret and required, days has a default, check_tlp with max_tlp 2.
        var abuse = Analyzer(list, "cortex:AbuseIPDB");
        Assert.Equal(["ip"], abuse.GetProperty("dataTypes").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("AMBER", abuse.GetProperty("maxTlp").GetString());
        var abuseItems = abuse.GetProperty("configItems").EnumerateArray().ToDictionary(i => i.GetProperty("name").GetString()!);
        Assert.True(abuseItems["key"].GetProperty("secret").GetBoolean() && abuseItems["key"].GetProperty("required").GetBoolean());
        Assert.False(abuseItems["days"].GetProperty("required").GetBoolean());

        Assert.Equal("RED", Analyzer(list, "cortex:Shell_Check").GetProperty("maxTlp").GetString()); // no check_tlp
        var names = list.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("name").GetString()).ToList();
        Assert.DoesNotContain(names, n => n is "cortex:Broken" or "cortex:Missing" or "cortex:Escape" or "cortex:Typo");
    }

    [Fact]
    public async Task Broken_definitions_are_reported_per_file_with_the_reason()
    {
        using var client = server.Client();
        var cortex = await client.GetAsync("/api/v1/cortex").ExpectAsync(HttpStatusCode.OK);

        var problems = cortex.GetProperty("problems").EnumerateArray()
            .ToDictionary(p => Path.GetFileName(p.GetProperty("file").GetString()!), p => p.GetProperty("reason").GetString()!);
        Assert.Equal(4, problems.Count);
        Assert.Contains("cannot be read as JSON", problems["Broken.json"]);
        Assert.Contains("Missing/missing.py does not exist", problems["Missing.json"]);
        Assert.Contains("points outside", problems["Escape.json"]);
        Assert.Contains("type integer is not string, number or boolean", problems["Typo.json"]);
        Assert.Contains(Fake, cortex.GetProperty("analyzers").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains("cortex:Notify_Team", cortex.GetProperty("responders").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task A_successful_run_gives_taxonomies_full_report_and_artifacts_with_the_config_passed_through()
    {
        using var client = await ClientAsync();

        var report = await client.AnalyzeAsync(await client.ObservableAsync("domain", "ok.example"), Fake);

        Assert.Equal("success", report.Status());
        Assert.Equal("malicious", report.Level());
        var taxonomies = report.GetProperty("taxonomies").EnumerateArray().ToList();
        Assert.Equal(("malicious", "Fake", "Score", "97"), (taxonomies[0].GetProperty("level").GetString(), taxonomies[0].GetProperty("namespace").GetString(),
            taxonomies[0].GetProperty("predicate").GetString(), taxonomies[0].GetProperty("value").GetString()));
        var artifacts = report.GetProperty("artifacts").EnumerateArray().Select(a => (a.GetProperty("dataType").GetString(), a.GetProperty("data").GetString())).ToList();
        Assert.Equal([("ip", "203.0.113.7"), ("file", "sample.bin")], artifacts);

        var full = report.GetProperty("full");
        Assert.Equal("ok.example", full.GetProperty("data").GetString());
        Assert.Equal("domain", full.GetProperty("dataType").GetString());
        Assert.Equal(2, full.GetProperty("tlp").GetInt32());
        Assert.StartsWith("alert ", full.GetProperty("message").GetString());
        Assert.Equal(Path.Combine(server.Root, "analyzers"), full.GetProperty("cwd").GetString());
        var config = full.GetProperty("config");
        Assert.Equal("********", config.GetProperty("api_key").GetString()); // passed, and masked in the stored report
        Assert.Equal(25, config.GetProperty("threshold").GetInt32()); // the default, as a number
        Assert.Equal(["phishing", "mail"], config.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.True(config.GetProperty("verbose").GetBoolean());
        Assert.Equal("lookup", config.GetProperty("service").GetString()); // the flavour's own config
        Assert.True(config.GetProperty("check_tlp").GetBoolean());
        Assert.Equal(2, config.GetProperty("max_tlp").GetInt32());

        var shown = await client.GetAsync($"/api/v1/analyzers/{Fake}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("********", shown.GetProperty("config").GetProperty("api_key").GetString());
    }

    [Fact]
    public async Task An_error_written_as_cortexutils_does_is_a_failure_with_its_message_and_without_the_key()
    {
        using var client = await ClientAsync();

        var report = await client.AnalyzeAsync(await client.ObservableAsync("domain", "error.example"), Fake);

        Assert.Equal("failure", report.Status());
        Assert.Equal("cortex:Fake_Lookup failed: Invalid API key ********", report.Reason());
    }

    [Fact]
    public async Task A_crash_without_output_is_a_failure_naming_the_exit_code_and_the_end_of_stderr()
    {
        using var client = await ClientAsync();

        var report = await client.AnalyzeAsync(await client.ObservableAsync("domain", "crash.example"), Fake);

        Assert.Equal("failure", report.Status());
        Assert.Contains("wrote no output/output.json (exit code 1)", report.Reason());
        Assert.Contains("KeyError: 'boom'", report.Reason());
    }

    [Fact]
    public async Task A_hanging_analyzer_is_killed_at_its_timeout_and_not_retried()
    {
        var pids = Directory.CreateTempSubdirectory("quell-cortex-pid-").FullName;
        using var client = await ClientAsync(new { pidfile_dir = pids });
        await client.ConfigureAsync(Fake, new { enabled = true, config = new { api_key = Key, pidfile_dir = pids }, timeout = 2 }).ExpectAsync(HttpStatusCode.OK);
        var observable = await client.ObservableAsync("domain", "hang.example");

        var started = DateTime.UtcNow;
        var report = await client.AnalyzeAsync(observable, Fake);

        Assert.Equal("failure", report.Status());
        Assert.Equal("no answer within 2 s; the run was stopped and is not retried", report.Reason());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30));
        var pid = int.Parse(await File.ReadAllTextAsync(Path.Combine(pids, "hang.pid")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal),
            $"process {pid} still runs");
        Directory.Delete(pids, recursive: true);
    }

    [Fact]
    public async Task Huge_output_is_a_failure_naming_the_limit_and_a_flood_on_stdout_does_not_block()
    {
        using var client = await ClientAsync();

        var report = await client.AnalyzeAsync(await client.ObservableAsync("domain", "huge.example"), Fake);

        Assert.Equal("failure", report.Status());
        Assert.Contains($"more than the limit of {EnrichmentServer.MaxResponseBytes}", report.Reason());
    }

    [Fact]
    public async Task Garbage_output_is_a_failure_quoting_its_start()
    {
        using var client = await ClientAsync();

        var report = await client.AnalyzeAsync(await client.ObservableAsync("domain", "garbage.example"), Fake);

        Assert.Equal("failure", report.Status());
        Assert.Contains("is not JSON", report.Reason());
        Assert.Contains("502 Bad Gateway", report.Reason());
    }

    [Fact]
    public async Task A_value_above_max_tlp_is_skipped_and_raising_the_limit_tells_the_program_the_same()
    {
        using var client = await ClientAsync();
        var red = await client.ObservableAsync("domain", "ok.example", tlp: "RED");

        var skipped = await client.AnalyzeAsync(red, Fake);
        Assert.Equal("skipped", skipped.Status());
        Assert.Equal("TLP:RED is above what cortex:Fake_Lookup may be sent (at most TLP:AMBER); nothing was sent", skipped.Reason());

        await client.ConfigureAsync(Fake, new { enabled = true, config = new { api_key = Key }, maxTlp = "RED" }).ExpectAsync(HttpStatusCode.OK);
        var sent = await client.AnalyzeAsync(await client.ObservableAsync("domain", "ok.example", tlp: "RED"), Fake);
        Assert.Equal("success", sent.Status());
        Assert.Equal(3, sent.GetProperty("full").GetProperty("tlp").GetInt32());
        Assert.Equal(3, sent.GetProperty("full").GetProperty("config").GetProperty("max_tlp").GetInt32());
    }

    [Fact]
    public async Task A_shell_analyzer_runs_with_the_job_directory_which_is_removed_afterwards()
    {
        using var client = server.Client(await server.CreateOtherOrganisationKeyAsync());
        await client.ConfigureAsync("cortex:Shell_Check", new { enabled = true }).ExpectAsync(HttpStatusCode.OK);

        var report = await client.AnalyzeAsync(await client.ObservableAsync("domain", "shell.example"), "cortex:Shell_Check");

        Assert.Equal("success", report.Status());
        Assert.Equal("safe", report.Level());
        var job = report.GetProperty("full").GetProperty("job").GetString()!;
        Assert.Contains("quell-cortex-", job);
        Assert.False(Directory.Exists(job));
        Assert.Equal(Path.Combine(server.Root, "analyzers"), report.GetProperty("full").GetProperty("cwd").GetString());
        // input.json holds the organisation's secrets: only the server's user may enter the job directory.
        Assert.Equal("700", report.GetProperty("full").GetProperty("mode").GetString());
    }

    [Fact]
    public async Task A_file_with_content_is_given_as_input_attachment_with_its_name_and_type_as_cortex_does()
    {
        using var client = await ClientAsync();
        var sample = Quell.Tests.Files.FileApi.Sample(7777, 21);

        var report = await client.AnalyzeAsync(await Quell.Tests.Files.FileApi.FileObservableAsync(client, sample, "invoice.xlsm"), Fake);

        Assert.Equal("success", report.Status());
        var full = report.GetProperty("full");
        Assert.Equal(sample.Length, full.GetProperty("size").GetInt32());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(sample)), full.GetProperty("sha256").GetString());
        Assert.Equal("attachment", full.GetProperty("file").GetString());
        Assert.Equal("invoice.xlsm", full.GetProperty("filename").GetString());
        Assert.Equal("application/x-msdownload", full.GetProperty("contentType").GetString());
        Assert.False(full.GetProperty("hasData").GetBoolean());
        Assert.Equal("7777", report.GetProperty("taxonomies")[0].GetProperty("value").ToString());
    }

    [Fact]
    public async Task A_file_observable_without_content_fails_saying_so_and_enabling_needs_the_required_key()
    {
        using var client = await ClientAsync();

        var report = await client.AnalyzeAsync(await client.ObservableAsync("file", "invoice.pdf"), Fake);
        Assert.Equal("failure", report.Status());
        Assert.Contains("Quell keeps none for this observable", report.Reason());

        var missing = await client.ConfigureAsync(Fake, new { enabled = true, config = new { tags = "x" } }).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Contains("config.api_key", missing.GetProperty("errors").EnumerateObject().Select(e => e.Name));
    }
}
