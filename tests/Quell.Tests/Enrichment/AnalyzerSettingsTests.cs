using System.Text.Json;
using System.Net;
using System.Net.Http.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Enrichment;

/// <summary><c>PUT/GET /api/v1/analyzers</c>: the contract's names, validation with named fields, defaults.</summary>
public abstract class AnalyzerSettingsTests(TestServer server)
{
    static readonly string[] ContractNames = ["virustotal", "urlhaus", "phishtank", "misp", "abuseipdb", "urlscan", "dns", "rdap", "geoip", "vmray", "cape"];

    async Task<HttpClient> TenantAsync() => server.Client(await server.CreateOtherOrganisationKeyAsync());

    [Fact]
    public async Task Every_contract_name_is_listed()
    {
        using var client = await TenantAsync();
        var items = (await client.GetAsync("/api/v1/analyzers").ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();
        var names = items.Select(i => i.GetProperty("name").GetString()).ToList();
        Assert.All(ContractNames, n => Assert.Contains(n, names));
        Assert.Contains("intel", names);
        var vt = items.Single(i => i.GetProperty("name").GetString() == "virustotal");
        Assert.False(vt.GetProperty("enabled").GetBoolean());
        Assert.Equal("4/min, 500/day", vt.GetProperty("rateLimit").GetString());
        Assert.Equal("https://www.virustotal.com", vt.GetProperty("baseUrl").GetString());
        Assert.Equal("AMBER", vt.GetProperty("maxTlp").GetString());
    }

    [Fact]
    public async Task An_unknown_analyzer_is_a_404_problem()
    {
        using var client = await TenantAsync();
        var problem = await client.PutAsJsonAsync("/api/v1/analyzers/nosuch", new { enabled = true }).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("virustotal", Problem.Detail(problem));
        await client.GetAsync("/api/v1/analyzers/nosuch").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bad_settings_are_refused_naming_each_field_and_nothing_is_stored()
    {
        using var client = await TenantAsync();
        var problem = await client.PutAsJsonAsync("/api/v1/analyzers/virustotal", new
        {
            enabled = true,
            baseUrl = "ftp://x",
            config = new { apikey = "k" },
            rateLimit = "4/fortnight",
            cacheTtl = "forever",
            maxTlp = "PURPLE",
            colour = "red",
        }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        var fields = Problem.Fields(problem);
        foreach (var f in new[] { "baseUrl", "config.apikey", "rateLimit", "cacheTtl", "maxTlp", "colour" })
            Assert.Contains(f, fields);

        var missingKey = await client.PutAsJsonAsync("/api/v1/analyzers/virustotal", new { enabled = true, config = new { } }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("config.key", Problem.Fields(missingKey));
        var mask = await client.PutAsJsonAsync("/api/v1/analyzers/virustotal", new { enabled = true, config = new { key = "********" } }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("not set", Problem.Detail(mask));
        await client.PutAsJsonAsync("/api/v1/analyzers/virustotal", new { config = new { } }).ExpectProblemAsync(HttpStatusCode.BadRequest);

        var vt = await client.GetAsync("/api/v1/analyzers/virustotal").ExpectAsync(HttpStatusCode.OK);
        Assert.False(vt.GetProperty("enabled").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, vt.GetProperty("updatedBy").ValueKind);
    }

    [Fact]
    public async Task Overrides_replace_the_defaults_and_a_second_put_returns_to_them()
    {
        using var client = await TenantAsync();
        var saved = await client.PutAsJsonAsync("/api/v1/analyzers/abuseipdb", new
        {
            enabled = true,
            baseUrl = "http://mirror.example/abuse/",
            config = new { key = "k-abc", maxAgeInDays = "30" },
            rateLimit = "10/min, 100/day",
            cacheTtl = "2h",
            maxTlp = "GREEN",
            maxPap = 1,
        }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("http://mirror.example/abuse", saved.GetProperty("baseUrl").GetString());
        Assert.Equal("10/min, 100/day", saved.GetProperty("rateLimit").GetString());
        Assert.Equal(7200, saved.GetProperty("cacheTtl").GetDouble());
        Assert.Equal("GREEN", saved.GetProperty("maxTlp").GetString());
        Assert.Equal("GREEN", saved.GetProperty("maxPap").GetString());
        Assert.Equal("30", saved.GetProperty("config").GetProperty("maxAgeInDays").GetString());

        var reset = await client.PutAsJsonAsync("/api/v1/analyzers/abuseipdb", new { enabled = false, config = new { } }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("https://api.abuseipdb.com", reset.GetProperty("baseUrl").GetString());
        Assert.Equal("1000/day", reset.GetProperty("rateLimit").GetString());
        Assert.Equal("AMBER", reset.GetProperty("maxTlp").GetString());
    }

    [Fact]
    public async Task Auto_defaults_to_off_is_kept_and_a_bad_value_is_a_problem_naming_auto()
    {
        using var client = await TenantAsync();
        var fresh = await client.GetAsync("/api/v1/analyzers/intel").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("off", fresh.GetProperty("auto").GetString());
        var saved = await client.PutAsJsonAsync("/api/v1/analyzers/intel", new { enabled = true, auto = "both" }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("both", saved.GetProperty("auto").GetString());
        Assert.Equal("both", (await client.GetAsync("/api/v1/analyzers/intel").ExpectAsync(HttpStatusCode.OK)).GetProperty("auto").GetString());

        var problem = await client.PutAsJsonAsync("/api/v1/analyzers/intel", new { enabled = true, auto = "always" }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("auto", Problem.Fields(problem));
        Assert.Equal("both", (await client.GetAsync("/api/v1/analyzers/intel").ExpectAsync(HttpStatusCode.OK)).GetProperty("auto").GetString());

        // PUT replaces the settings: leaving auto out returns it to off.
        var reset = await client.PutAsJsonAsync("/api/v1/analyzers/intel", new { enabled = true }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("off", reset.GetProperty("auto").GetString());
    }

    [Fact]
    public async Task Configuring_is_for_admins_and_analyzing_for_analysts()
    {
        var tenant = await Tenants.CreateAsync(server);
        using var admin = server.Client(tenant.AdminKey);
        var analystId = await Tenants.CreateUserAsync(admin, Tenants.NewUsername(), "analyst");
        using var analyst = server.Client(await Tenants.CreateKeyAsync(server, analystId, tenant.OrgId));
        var readerId = await Tenants.CreateUserAsync(admin, Tenants.NewUsername(), "read-only");
        using var reader = server.Client(await Tenants.CreateKeyAsync(server, readerId, tenant.OrgId));

        await analyst.PutAsJsonAsync("/api/v1/analyzers/intel", new { enabled = true }).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await admin.PutAsJsonAsync("/api/v1/analyzers/intel", new { enabled = true }).ExpectAsync(HttpStatusCode.OK);
        var id = await analyst.ObservableAsync("domain", "roles.example");
        await analyst.PostAsync($"/api/v1/observables/{id}/analyze?wait=true", null).ExpectAsync(HttpStatusCode.OK);
        await reader.PostAsync($"/api/v1/observables/{id}/analyze", null).ExpectProblemAsync(HttpStatusCode.Forbidden);
        var shown = await reader.GetAsync($"/api/v1/observables/{id}/reports").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("intel", shown.GetProperty("reports")[0].GetProperty("analyzer").GetString());
    }
}

public sealed class AnalyzerSettingsTestsOnSqlite(SqliteServer server) : AnalyzerSettingsTests(server), IClassFixture<SqliteServer>;

public sealed class AnalyzerSettingsTestsOnPostgres(PostgresServer server) : AnalyzerSettingsTests(server), IClassFixture<PostgresServer>;
