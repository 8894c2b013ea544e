using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Quell.Enrichment;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Enrichment;

/// <summary>Which addresses the guard refuses, and that an admin's allow list opens exactly the ranges it names.</summary>
public sealed class SsrfGuardTests
{
    static SsrfGuard Guard(params string[] allow) => new(Options.Create(new EnrichmentOptions { Ssrf = new SsrfOptions { Allow = [.. allow] } }));

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("10.20.30.40", "private")]
    [InlineData("172.31.255.1", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("169.254.169.254", "link-local, where cloud metadata endpoints live")]
    [InlineData("100.100.100.200", "shared address space")]
    [InlineData("0.0.0.0", "this-network")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("::1", "loopback")]
    [InlineData("fd00:ec2::254", "unique local (private)")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("64:ff9b::a9fe:a9fe", "link-local, where cloud metadata endpoints live")]
    public void Inside_addresses_are_refused_naming_their_range(string address, string range) =>
        Assert.Equal(range, Guard().Refusal(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("8.8.8.8")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.4.4")]
    public void Public_addresses_pass(string address) => Assert.Null(Guard().Refusal(IPAddress.Parse(address)));

    [Fact]
    public void An_allowed_range_passes_and_its_neighbours_do_not()
    {
        var guard = Guard("10.1.2.0/24", "fd12::/16");
        Assert.Null(guard.Refusal(IPAddress.Parse("10.1.2.77")));
        Assert.Null(guard.Refusal(IPAddress.Parse("fd12::5")));
        Assert.Equal("private", guard.Refusal(IPAddress.Parse("10.1.3.1")));
    }

    [Fact]
    public void A_bad_allow_entry_is_refused_naming_it()
    {
        var e = Assert.Throws<OptionsValidationException>(() => Guard("10.1.2.0/24", "intranet"));
        Assert.Contains("'intranet' is not a CIDR", e.Message);
    }
}

/// <summary>A server whose analyzers may reach loopback (an admin's allow list), for analyzers that fetch test URLs.</summary>
public sealed class EnrichmentLoopbackServer : EnrichmentServer
{
    public override Dialect Dialect => Dialect.Sqlite;

    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Services.Configure<EnrichmentOptions>(o => o.Ssrf.Allow = ["127.0.0.0/8", "::1/128"]);
    }
}

/// <summary>
/// The unshorten analyzer follows a redirect chain to its landing page (where loopback is allowed), and on a server
/// with the default guard neither it nor rdap's cross-host redirects reach loopback.
/// </summary>
public sealed class UnshortenAnalyzerTests(EnrichmentLoopbackServer allowing, EnrichmentSqliteServer guarded)
    : IClassFixture<EnrichmentLoopbackServer>, IClassFixture<EnrichmentSqliteServer>
{
    static Task Redirect(HttpResponse r, string location, int status = 302)
    {
        r.StatusCode = status;
        r.Headers.Location = location;
        return Task.CompletedTask;
    }

    static async Task<HttpClient> TenantAsync(TestServer server)
    {
        var client = server.Client(await server.CreateOtherOrganisationKeyAsync());
        await client.ConfigureAsync("unshorten", new { enabled = true }).ExpectAsync(HttpStatusCode.OK);
        return client;
    }

    [Fact]
    public async Task A_short_link_is_followed_to_its_landing_page_and_the_hops_become_artifacts()
    {
        string? landing = null;
        await using var web = await ReplayServer.StartAsync((q, r) => q.Path switch
        {
            "/s/abc" => Redirect(r, "/track?id=7", 301),
            "/track?id=7" => Redirect(r, landing!),
            "/login" => ReplayServer.Reply(r, "<html>sign in</html>", 200, "text/html"),
            "/loop" => Redirect(r, "/loop"),
            _ => ReplayServer.Reply(r, "gone", 404, "text/plain"),
        });
        landing = web.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/login";
        using var client = await TenantAsync(allowing);

        var report = await client.AnalyzeAsync(await client.ObservableAsync("url", web.BaseUrl + "/s/abc", pap: "GREEN"), "unshorten");
        Assert.Equal("success", report.Status());
        Assert.Equal("info", report.Level());
        var taxonomies = report.GetProperty("taxonomies").EnumerateArray().ToDictionary(t => t.GetProperty("predicate").GetString()!, t => t.GetProperty("value").GetString());
        Assert.Equal("2", taxonomies["hops"]);
        Assert.Equal(landing, taxonomies["final"]);
        var artifacts = report.GetProperty("artifacts").EnumerateArray().Select(a => (a.GetProperty("dataType").GetString(), a.GetProperty("data").GetString())).ToList();
        Assert.Equal([("url", web.BaseUrl + "/track?id=7"), ("url", landing), ("domain", "localhost")], artifacts);
        Assert.Equal(3, web.Requests.Count);
        Assert.All(web.Requests, q => Assert.Equal("GET", q.Method));

        var loop = await client.AnalyzeAsync(await client.ObservableAsync("url", web.BaseUrl + "/loop", pap: "GREEN"), "unshorten");
        Assert.Equal("failure", loop.Status());
        Assert.Contains("redirected more than 10 times", loop.Reason());

        // Visiting is an active step: a PAP:AMBER URL is never fetched.
        var before = web.Requests.Count;
        var amber = await client.AnalyzeAsync(await client.ObservableAsync("url", web.BaseUrl + "/s/amber", pap: "AMBER"), "unshorten");
        Assert.Equal("skipped", amber.Status());
        Assert.Contains("PAP:AMBER", amber.Reason());
        Assert.Equal(before, web.Requests.Count);
    }

    [Fact]
    public async Task Without_an_allow_list_loopback_is_never_fetched()
    {
        await using var web = await ReplayServer.StartAsync((_, r) => Redirect(r, "/elsewhere"));
        using var client = await TenantAsync(guarded);

        var report = await client.AnalyzeAsync(await client.ObservableAsync("url", web.BaseUrl + "/s/abc", pap: "GREEN"), "unshorten");
        Assert.Equal("failure", report.Status());
        Assert.Contains("(loopback), which analyzers may not reach", report.Reason());
        Assert.Contains("Enrichment:Ssrf:Allow", report.Reason());
        Assert.Empty(web.Requests);
    }

    [Fact]
    public async Task An_rdap_redirect_to_another_host_passes_the_guard()
    {
        await using var rdap = await ReplayServer.StartAsync((q, r) => q.Path.StartsWith("/domain/", StringComparison.Ordinal)
            ? Redirect(r, "http://localhost:1/domain/inside.example")
            : ReplayServer.Reply(r, "{}", 404));
        using var client = guarded.Client(await guarded.CreateOtherOrganisationKeyAsync());
        await client.ConfigureAsync("rdap", new { enabled = true, baseUrl = rdap.BaseUrl }).ExpectAsync(HttpStatusCode.OK);

        var report = await client.AnalyzeAsync(await client.ObservableAsync("domain", "inside.example", tlp: "GREEN", pap: "GREEN"), "rdap");
        Assert.Equal("failure", report.Status());
        Assert.Contains("GET http://localhost:1/domain/inside.example was not fetched: localhost is", report.Reason());
        Assert.Single(rdap.Requests);
    }
}
