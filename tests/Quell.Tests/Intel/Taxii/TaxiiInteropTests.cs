using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Taxii;

/// <summary>
/// Quell's TAXII client (a <c>taxii</c> feed) pulls from Quell's own TAXII server, served by the test server on
/// 127.0.0.1, into a second organisation: the same indicators arrive, through pages of three.
/// </summary>
public abstract class TaxiiInteropTests<TServer>(TServer server) where TServer : TestServer, IClockedServer
{
    static readonly (string Type, string Value, string Tlp, string[] Tags)[] Shared =
    [
        ("domain", "c2.interop.example", "amber", ["malware:emotet"]),
        ("hostname", "mail.interop.example", "green", []),
        ("ip-dst", "198.51.100.21", "green", []),
        ("ip-dst", "2001:db8::/48", "red", []),
        ("url", "https://interop.example/login", "green", ["phishing"]),
        ("email-src", "boss@interop.example", "green", []),
        ("md5", "cead3f77f6cda6ec00f57d76c9a6879f", "clear", []),
        ("sha256", "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f", "green", []),
        ("filename|sha256", "invoice.exe|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "amber", []),
        ("domain|ip", "dns.interop.example|198.51.100.22", "green", []),
    ];

    /// <summary>The source organisation: the shared indicators, plus a text (no STIX form) and a suppressed one, which are not served.</summary>
    async Task<Tenant> SourceAsync()
    {
        var source = await Tenants.CreateAsync(server);
        using var api = server.Client(source.AdminKey);
        foreach (var (type, value, tlp, tags) in Shared)
            await api.PostAsJsonAsync("/api/v1/indicators", new { type, value, tlp, tags, source = "analyst" }).ExpectAsync(HttpStatusCode.Created);
        await api.PostAsJsonAsync("/api/v1/indicators", new { type = "text", value = "a note", source = "analyst" }).ExpectAsync(HttpStatusCode.Created);
        var suppressed = (await api.PostAsJsonAsync("/api/v1/indicators", new { type = "domain", value = "false-positive.example", source = "analyst" }).ExpectAsync(HttpStatusCode.Created)).Id();
        for (var n = 0; n < 3; n++)
            await api.PostAsJsonAsync($"/api/v1/indicators/{suppressed}/sightings", new { type = "false-positive" }).ExpectAsync(HttpStatusCode.Created);
        return source;
    }

    static async Task<Dictionary<(string, string), JsonElement>> IndicatorsAsync(HttpClient api)
    {
        var items = (await api.GetAsync("/api/v1/indicators?limit=500").ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray();
        return items.ToDictionary(i => (i.GetProperty("type").GetString()!, i.GetProperty("value").GetString()!));
    }

    /// <summary>STIX has one object for host names and domains: a hostname comes back as a domain.</summary>
    static (string, string) AsRead((string Type, string Value) i) => (i.Type == "hostname" ? "domain" : i.Type, i.Value);

    async Task<(Tenant Target, HttpClient Api, long Feed)> TargetFeedAsync(object options)
    {
        var target = await Tenants.CreateAsync(server);
        var api = server.Client(target.AdminKey);
        var feed = await api.PostAsJsonAsync("/api/v1/feeds", new { name = "quell-" + Guid.NewGuid().ToString("N")[..8], format = "taxii", url = new Uri(server.BaseAddress, "/taxii2/").ToString(), options })
            .ExpectAsync(HttpStatusCode.Created);
        return (target, api, feed.Id());
    }

    [Fact]
    public async Task The_taxii_feed_pulls_the_indicators_collection_of_another_organisation_page_by_page()
    {
        var source = await SourceAsync();
        var (_, api, feed) = await TargetFeedAsync(new { token = source.AdminKey, limit = "3" });
        using var _ = api;

        var pull = await api.PostAsync($"/api/v1/feeds/{feed}/pull?wait=true", null).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("ok", pull.GetProperty("outcome").GetString());
        // Ten indicators in pages of three: the client followed 'next' three times, or it would have fewer.
        Assert.Equal((Shared.Length, 0), (pull.GetProperty("added").GetInt32(), pull.GetProperty("rejected").GetInt32()));

        var pulled = await IndicatorsAsync(api);
        Assert.Equal(Shared.Select(s => AsRead((s.Type, s.Value))).ToHashSet(), pulled.Keys.ToHashSet());
        foreach (var (type, value, tlp, tags) in Shared)
        {
            var i = pulled[AsRead((type, value))];
            Assert.Equal(tlp.ToUpperInvariant(), i.GetProperty("tlp").GetString());
            Assert.Equal(tags, i.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).Where(t => t != "malicious-activity" && !t!.StartsWith("stix:", StringComparison.Ordinal)));
        }

        // The next pull asks for what was added after the last one: nothing, until the source changes an indicator.
        var again = await api.PostAsync($"/api/v1/feeds/{feed}/pull?wait=true", null).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal((0, 0), (again.GetProperty("added").GetInt32(), again.GetProperty("updated").GetInt32()));
        server.Clock.Advance(TimeSpan.FromMinutes(1));
        using (var sourceApi = server.Client(source.AdminKey))
            await sourceApi.PostAsJsonAsync("/api/v1/indicators", new { type = "domain", value = "c2.interop.example", tags = new[] { "campaign:interop" }, source = "partner" }).ExpectAsync(HttpStatusCode.OK);
        var changed = await api.PostAsync($"/api/v1/feeds/{feed}/pull?wait=true", null).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal((0, 1), (changed.GetProperty("added").GetInt32(), changed.GetProperty("updated").GetInt32()));
        Assert.Contains("campaign:interop", (await IndicatorsAsync(api))[("domain", "c2.interop.example")].GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task The_taxii_feed_authenticates_with_Basic_and_reads_a_created_collection_by_title()
    {
        var source = await SourceAsync();
        using var sourceTaxii = Taxii.Client(server, source.AdminKey);
        var title = "shared-" + Guid.NewGuid().ToString("N")[..8];
        using (var sourceApi = server.Client(source.AdminKey))
            await sourceApi.PostAsJsonAsync("/api/v1/taxii/collections", new { title }).ExpectAsync(HttpStatusCode.Created);
        var collection = (await sourceTaxii.GetAsync("/taxii2/api/collections/").ExpectAsync(HttpStatusCode.OK)).GetProperty("collections").EnumerateArray()
            .Single(c => c.GetProperty("title").GetString() == title).GetProperty("id").GetString()!;
        var posted = Enumerable.Range(0, 5).Select(n => Taxii.Indicator(Taxii.NewId("indicator"), $"[domain-name:value = 'posted{n}.interop.example']")).ToArray();
        await Taxii.PostAsync(sourceTaxii, collection, Taxii.Envelope(posted)).ExpectAsync(HttpStatusCode.Accepted);

        var (_, api, feed) = await TargetFeedAsync(new { username = "taxii-client", password = source.AdminKey, collection = title, limit = "2" });
        using var _ = api;
        var pull = await api.PostAsync($"/api/v1/feeds/{feed}/pull?wait=true", null).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(5, pull.GetProperty("added").GetInt32());
        Assert.Equal(Enumerable.Range(0, 5).Select(n => ("domain", $"posted{n}.interop.example")).ToHashSet(), (await IndicatorsAsync(api)).Keys.ToHashSet());
    }
}

public sealed class TaxiiInteropTestsOnSqlite(TaxiiSqliteServer server) : TaxiiInteropTests<TaxiiSqliteServer>(server), IClassFixture<TaxiiSqliteServer>;

public sealed class TaxiiInteropTestsOnPostgres(TaxiiPostgresServer server) : TaxiiInteropTests<TaxiiPostgresServer>(server), IClassFixture<TaxiiPostgresServer>;
