using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Quell.Intel;
using Quell.Intel.Export;
using Quell.Intel.Feeds.Formats;
using Quell.Intel.Stix;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Export;

/// <summary>GET /api/v1/intel/export: the four formats read back by Quell's own readers, filters, refusals, organisation scope.</summary>
public abstract class ExportEndpointTests(TestServer server) : IAsyncLifetime
{
    Tenant _org = null!;
    HttpClient _client = null!;

    /// <summary>Each test gets an organisation of its own, so the indicators of other tests never show up in its exports.</summary>
    public async Task InitializeAsync()
    {
        _org = await Tenants.CreateAsync(server);
        _client = server.Client(_org.AdminKey);
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    static readonly (string Type, string Value, string[] Tags, string Source)[] Seed =
    [
        ("domain", "evil.example", ["malware:emotet"], "partner"),
        ("ip-dst", "198.51.100.7", [], "partner"),
        ("url", "https://login.evil.example/owa", ["phishing"], "analyst"),
        ("sha256", "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f", [], "analyst"),
        ("filename|sha256", "invoice.exe|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", [], "analyst"),
        ("text", "just a note", [], "analyst"),
    ];

    async Task<Dictionary<string, long>> SeedAsync()
    {
        var ids = new Dictionary<string, long>();
        foreach (var (type, value, tags, source) in Seed)
            ids[value] = (await _client.PostAsJsonAsync("/api/v1/indicators", new { type, value, tags, source }).ExpectAsync(HttpStatusCode.Created)).Id();
        return ids;
    }

    async Task<(HttpResponseMessage Response, byte[] Body)> ExportAsync(string query)
    {
        var response = await _client.GetAsync("/api/v1/intel/export?" + query);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
        return (response, body);
    }

    static string FileName(HttpResponseMessage r) => r.Content.Headers.ContentDisposition?.FileName?.Trim('"') ?? "";

    static HashSet<(string, string)> Pairs(IEnumerable<IndicatorRecord> records) =>
        records.Select(r => (r.Type, IndicatorNormalizer.Normalize(r.Type, r.Value, out _) ?? r.Value)).ToHashSet();

    [Fact]
    public async Task A_stix2_export_is_a_bundle_the_stix_reader_reads_back_with_every_indicator_that_has_a_pattern()
    {
        await SeedAsync();
        var (response, body) = await ExportAsync("format=stix2");
        Assert.Equal("application/stix+json;version=2.1", response.Content.Headers.ContentType!.ToString().Replace(" ", ""));
        Assert.Matches(@"^quell-indicators-\d{8}T\d{6}Z\.stix\.json$", FileName(response));
        using var doc = JsonDocument.Parse(body);
        var entries = StixObjectReader.Read(StixFeedReader.Objects(doc.RootElement)).ToList();
        Assert.All(entries, e => Assert.Null(e.Error));
        Assert.Equal(Seed.Where(s => s.Type != "text").Select(s => (s.Type, s.Value)).ToHashSet(), Pairs(entries.Select(e => e.Indicator!)));
        Assert.Contains(entries, e => e.Indicator!.Value == "evil.example" && e.Indicator.Tags.Contains("malware:emotet") && e.Indicator.Tlp == "AMBER");
        // The TLP marking definition the indicators reference is in the bundle.
        Assert.Contains(doc.RootElement.GetProperty("objects").EnumerateArray(), o => o.GetProperty("type").GetString() == "marking-definition");
    }

    [Fact]
    public async Task A_misp_export_is_one_event_the_misp_reader_reads_back_whole()
    {
        await SeedAsync();
        var (response, body) = await ExportAsync("format=misp");
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.EndsWith(".misp.json", FileName(response));
        using var doc = JsonDocument.Parse(body);
        var ev = doc.RootElement.GetProperty("Event");
        Assert.Equal(Seed.Length, ev.GetProperty("Attribute").GetArrayLength());
        Assert.True(long.Parse(ev.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        var entries = MispAttributes.FromEvent(ev, []);
        Assert.All(entries, e => Assert.Null(e.Error));
        Assert.Equal(Seed.Select(s => (s.Type, s.Value)).ToHashSet(), Pairs(entries.Select(e => e.Indicator!)));
    }

    [Fact]
    public async Task A_csv_export_has_the_header_and_one_row_per_indicator_with_its_sources()
    {
        await SeedAsync();
        var (response, body) = await ExportAsync("format=csv");
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.EndsWith(".csv", FileName(response));
        var lines = System.Text.Encoding.UTF8.GetString(body).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', CsvExportWriter.Columns), lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(Seed.Select(s => (s.Type, s.Value)).ToHashSet(), rows.Select(r => (r[1], r[3])).ToHashSet());
        Assert.Contains(rows, r => r[3] == "evil.example" && r[^1] == "partner" && r[5] == "malware:emotet");
    }

    [Fact]
    public async Task A_text_export_is_a_sorted_blocklist_per_kind_all_kinds_without_one_and_an_rpz_zone()
    {
        await SeedAsync();
        var (response, body) = await ExportAsync("format=text&kind=domain");
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("evil.example\n", System.Text.Encoding.UTF8.GetString(body));
        Assert.Equal("aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
            System.Text.Encoding.UTF8.GetString((await ExportAsync("format=text&kind=hash")).Body));
        var all = System.Text.Encoding.UTF8.GetString((await ExportAsync("format=text")).Body).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["198.51.100.7", "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "evil.example", "https://login.evil.example/owa"], all);
        var (rpzResponse, rpz) = await ExportAsync("format=text&kind=rpz&includeIps=true");
        Assert.EndsWith(".zone", FileName(rpzResponse));
        var zone = System.Text.Encoding.ASCII.GetString(rpz);
        Assert.StartsWith("$TTL 300\n@ IN SOA localhost. hostmaster.localhost. ", zone);
        Assert.EndsWith("evil.example CNAME .\n*.evil.example CNAME .\n32.7.100.51.198.rpz-ip CNAME .\n", zone);
    }

    [Fact]
    public async Task Filters_select_by_type_tag_source_score_and_time_and_inactive_indicators_only_when_asked()
    {
        var ids = await SeedAsync();
        async Task<List<string>> Values(string query) =>
            [.. System.Text.Encoding.UTF8.GetString((await ExportAsync("format=csv&" + query)).Body).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')[3]).Order(StringComparer.Ordinal)];

        Assert.Equal(["evil.example", "https://login.evil.example/owa"], await Values("type=domain&type=url"));
        Assert.Equal(["198.51.100.7", "evil.example"], await Values("type=domain,ip-dst"));
        Assert.Equal(["https://login.evil.example/owa"], await Values("tag=phishing"));
        Assert.Equal(["198.51.100.7", "evil.example"], await Values("source=partner"));
        Assert.Equal(Seed.Length, (await Values("minScore=0")).Count);
        Assert.Empty(await Values("minScore=100"));
        Assert.Empty(await Values("since=" + Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(1).ToString("O"))));
        Assert.Equal(Seed.Length, (await Values("since=2020-01-01T00:00:00Z")).Count);

        // Three false-positive sightings suppress an indicator: it leaves the export unless includeInactive=true.
        for (var n = 0; n < 3; n++)
            await _client.PostAsJsonAsync($"/api/v1/indicators/{ids["evil.example"]}/sightings", new { type = "false-positive" }).ExpectAsync(HttpStatusCode.Created);
        Assert.DoesNotContain("evil.example", await Values(""));
        Assert.Contains("evil.example", await Values("includeInactive=true"));
    }

    [Fact]
    public async Task Unknown_formats_filters_and_parameters_are_refused_with_a_problem_naming_the_parameter()
    {
        async Task<IReadOnlyList<string>> Fields(string query) =>
            Problem.Fields(await _client.GetAsync("/api/v1/intel/export?" + query).ExpectProblemAsync(HttpStatusCode.BadRequest));

        Assert.Equal(["format"], await Fields(""));
        Assert.Equal(["format"], await Fields("format=xml"));
        Assert.Equal(["type"], await Fields("format=csv&type=ip-dst&type=evil"));
        Assert.Equal(["kind"], await Fields("format=text&kind=cidr"));
        Assert.Equal(["kind"], await Fields("format=csv&kind=ip"));
        Assert.Equal(["includeIps"], await Fields("format=text&kind=ip&includeIps=true"));
        Assert.Equal(["minScore"], await Fields("format=csv&minScore=high"));
        Assert.Equal(["since"], await Fields("format=csv&since=yesterday"));
        Assert.Equal(["includeInactive"], await Fields("format=csv&includeInactive=maybe"));
        Assert.Equal(["limit"], await Fields("format=csv&limit=10"));
    }

    [Fact]
    public async Task An_export_holds_only_the_callers_organisation()
    {
        await SeedAsync();
        using var other = server.Client(await server.CreateOtherOrganisationKeyAsync("read-only"));
        var response = await other.GetAsync("/api/v1/intel/export?format=csv");
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([string.Join(',', CsvExportWriter.Columns)], lines);
    }
}

public sealed class ExportEndpointTestsOnSqlite(SqliteServer server) : ExportEndpointTests(server), IClassFixture<SqliteServer>;

public sealed class ExportEndpointTestsOnPostgres(PostgresServer server) : ExportEndpointTests(server), IClassFixture<PostgresServer>;
