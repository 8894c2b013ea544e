using System.Net;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Enrichment;

/// <summary>The dns analyzer against a real DNS server (dnsmasq) with its own records.</summary>
public abstract class DnsAnalyzerTests(TestServer server)
{
    static Task<DnsmasqServer> StartDnsAsync() => DnsmasqServer.StartAsync(
        "--local=/example/", // names under example. that are not listed are NXDOMAIN; anything else is REFUSED (no upstream)
        "--address=/evil.example/203.0.113.9",
        "--mx-host=evil.example,mail.evil.example,10",
        "--txt-record=evil.example,v=spf1 -all",
        "--host-record=mail.evil.example,192.0.2.25,2001:db8::25");

    async Task<HttpClient> DnsClientAsync(DnsmasqServer dns)
    {
        var client = server.Client(await server.CreateOtherOrganisationKeyAsync());
        await client.ConfigureAsync("dns", new { enabled = true, config = new { servers = dns.Server } }).ExpectAsync(HttpStatusCode.OK);
        return client;
    }

    static string Value(JsonElement report, string predicate) =>
        report.GetProperty("taxonomies").EnumerateArray().Single(t => t.GetProperty("predicate").GetString() == predicate).GetProperty("value").GetString()!;

    [Fact]
    public async Task A_domain_resolves_to_its_a_mx_and_txt_records_with_the_addresses_as_artifacts()
    {
        await using var dns = await StartDnsAsync();
        using var client = await DnsClientAsync(dns);

        var report = await client.AnalyzeAsync(await client.ObservableAsync("domain", "evil.example"), "dns");

        Assert.Equal("success", report.Status());
        Assert.Equal("info", report.Level());
        Assert.Equal("1", Value(report, "A"));
        Assert.Equal("1", Value(report, "MX"));
        Assert.Equal("1", Value(report, "TXT"));
        var records = report.GetProperty("full").GetProperty("records");
        Assert.Equal("203.0.113.9", records.GetProperty("A")[0].GetString());
        Assert.Equal("10 mail.evil.example", records.GetProperty("MX")[0].GetString());
        Assert.Equal("v=spf1 -all", records.GetProperty("TXT")[0].GetString());
        var artifacts = report.GetProperty("artifacts").EnumerateArray().Select(a => (a.GetProperty("dataType").GetString(), a.GetProperty("data").GetString())).ToList();
        Assert.Contains(("ip", "203.0.113.9"), artifacts);
        Assert.Contains(("fqdn", "mail.evil.example"), artifacts);

        var host = await client.AnalyzeAsync(await client.ObservableAsync("fqdn", "mail.evil.example"), "dns");
        Assert.Equal("2001:db8::25", host.GetProperty("full").GetProperty("records").GetProperty("AAAA")[0].GetString());
    }

    [Fact]
    public async Task An_address_resolves_to_its_ptr_name()
    {
        await using var dns = await StartDnsAsync();
        using var client = await DnsClientAsync(dns);

        var report = await client.AnalyzeAsync(await client.ObservableAsync("ip", "192.0.2.25"), "dns");

        Assert.Equal("success", report.Status());
        Assert.Equal("mail.evil.example", Value(report, "PTR"));
        Assert.Equal("mail.evil.example", report.GetProperty("artifacts")[0].GetProperty("data").GetString());
    }

    [Fact]
    public async Task Nxdomain_is_a_report_saying_so_and_a_refusing_server_is_a_failure_naming_the_code()
    {
        await using var dns = await StartDnsAsync();
        using var client = await DnsClientAsync(dns);

        var missing = await client.AnalyzeAsync(await client.ObservableAsync("domain", "nothing-here.example"), "dns");
        Assert.Equal("success", missing.Status());
        Assert.Equal("info", missing.Level());
        Assert.Equal("nothing-here.example", Value(missing, "NXDOMAIN"));

        var refused = await client.AnalyzeAsync(await client.ObservableAsync("domain", "elsewhere.org"), "dns");
        Assert.Equal("failure", refused.Status());
        Assert.Contains("REFUSED", refused.Reason());
    }

    [Fact]
    public async Task A_server_that_is_not_an_address_is_a_failure_naming_it()
    {
        using var client = server.Client(await server.CreateOtherOrganisationKeyAsync());
        await client.ConfigureAsync("dns", new { enabled = true, config = new { servers = "127.0.0.1:5353, dns.example" } }).ExpectAsync(HttpStatusCode.OK);

        var report = await client.AnalyzeAsync(await client.ObservableAsync("domain", "evil.example"), "dns");

        Assert.Equal("failure", report.Status());
        Assert.Contains("'dns.example'", report.Reason());
    }
}

public sealed class DnsAnalyzerTestsOnSqlite(EnrichmentSqliteServer server) : DnsAnalyzerTests(server), IClassFixture<EnrichmentSqliteServer>;

public sealed class DnsAnalyzerTestsOnPostgres(EnrichmentPostgresServer server) : DnsAnalyzerTests(server), IClassFixture<EnrichmentPostgresServer>;
