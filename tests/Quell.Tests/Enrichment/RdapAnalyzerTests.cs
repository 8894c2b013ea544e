using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;
using Quell.Tests.Support;

namespace Quell.Tests.Enrichment;

/// <summary>The rdap analyzer against a local server replaying RFC 9083 domain answers, a 404, a redirect, a 429 and garbage.</summary>
public abstract class RdapAnalyzerTests(TestServer server)
{
    static Task Json(HttpResponse r, string body, int status = 200) => ReplayServer.Reply(r, body, status, "application/rdap+json");

    // The shape of RFC 9083 section 5.3's example (events, a registrar entity with a jCard, status), with dates of the test's choosing.
    static string Domain(string name, DateTimeOffset registered) => $$"""
        {"objectClassName": "domain", "handle": "XXXX", "ldhName": "{{name}}", "rdapConformance": ["rdap_level_0"],
         "status": ["client transfer prohibited", "active"],
         "events": [
           {"eventAction": "registration", "eventDate": "{{registered.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}}"},
           {"eventAction": "last changed", "eventDate": "2026-01-02T03:04:05Z"},
           {"eventAction": "expiration", "eventDate": "2030-06-07T00:00:00Z"}],
         "entities": [
           {"objectClassName": "entity", "handle": "292", "roles": ["registrar"],
            "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Example Registrar, Inc."]]]},
           {"objectClassName": "entity", "handle": "XXXX", "roles": ["registrant"],
            "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Joe User"]]]}],
         "nameservers": [{"objectClassName": "nameserver", "ldhName": "ns1.example.com"}]}
        """;

    async Task<HttpClient> RdapClientAsync(ReplayServer rdap)
    {
        var client = server.Client(await server.CreateOtherOrganisationKeyAsync());
        await client.ConfigureAsync("rdap", new { enabled = true, baseUrl = rdap.BaseUrl, config = new { suspiciousAgeDays = 30 } }).ExpectAsync(HttpStatusCode.OK);
        return client;
    }

    static string Value(System.Text.Json.JsonElement report, string predicate) =>
        report.GetProperty("taxonomies").EnumerateArray().Single(t => t.GetProperty("predicate").GetString() == predicate).GetProperty("value").GetString()!;

    [Fact]
    public async Task A_new_domain_is_suspicious_an_old_one_info_and_the_registrar_dates_and_status_are_read()
    {
        var now = DateTimeOffset.UtcNow;
        await using var rdap = await ReplayServer.StartAsync((q, r) => q.Path switch
        {
            "/domain/fresh.example" => Json(r, Domain("fresh.example", now.AddDays(-12).AddHours(-1))),
            // rdap.org sends clients on to the registry's own server.
            "/domain/old.example" => Redirect(r, "/registry/domain/old.example"),
            "/registry/domain/old.example" => Json(r, Domain("old.example", now.AddDays(-4000))),
            _ => Json(r, """{"errorCode": 404, "title": "Not Found"}""", 404),
        });
        using var client = await RdapClientAsync(rdap);

        var fresh = await client.AnalyzeAsync(await client.ObservableAsync("domain", "fresh.example", tlp: "GREEN", pap: "GREEN"), "rdap");
        Assert.Equal("success", fresh.Status());
        Assert.Equal("suspicious", fresh.Level());
        Assert.Equal("12d", Value(fresh, "age"));
        Assert.Equal("Example Registrar, Inc.", Value(fresh, "registrar"));
        Assert.Equal("2030-06-07", Value(fresh, "expires"));
        Assert.Equal("2026-01-02", Value(fresh, "changed"));
        Assert.Equal("client transfer prohibited, active", Value(fresh, "status"));
        Assert.Contains("application/rdap+json", rdap.Requests.First().Headers["Accept"]);

        var old = await client.AnalyzeAsync(await client.ObservableAsync("fqdn", "old.example", tlp: "GREEN", pap: "GREEN"), "rdap");
        Assert.Equal("info", old.Level());
        Assert.Equal("4000d", Value(old, "age"));

        var unknown = await client.AnalyzeAsync(await client.ObservableAsync("domain", "unregistered.example", tlp: "GREEN", pap: "GREEN"), "rdap");
        Assert.Equal("success", unknown.Status());
        Assert.Equal("info", unknown.Level());
        Assert.Equal("not found", Value(unknown, "registration"));
    }

    static Task Redirect(HttpResponse r, string location)
    {
        r.StatusCode = 302;
        r.Headers.Location = location;
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_429_is_retried_after_retry_after_and_garbage_is_a_failure()
    {
        var calls = 0;
        var now = DateTimeOffset.UtcNow;
        await using var rdap = await ReplayServer.StartAsync((q, r) =>
        {
            if (q.Path == "/domain/garbage.example")
                return Json(r, """{"objectClassName": "domain", "events": [""");
            if (q.Path == "/domain/entity.example")
                return Json(r, """{"objectClassName": "entity", "handle": "X"}""");
            if (Interlocked.Increment(ref calls) == 1)
            {
                r.Headers.RetryAfter = "1";
                return Json(r, """{"errorCode": 429, "title": "Too Many Requests"}""", 429);
            }
            return Json(r, Domain("limited.example", now.AddDays(-100)));
        });
        using var client = await RdapClientAsync(rdap);

        var limited = await client.AnalyzeAsync(await client.ObservableAsync("domain", "limited.example", tlp: "GREEN", pap: "GREEN"), "rdap");
        Assert.Equal("success", limited.Status());
        Assert.Equal("100d", Value(limited, "age"));
        Assert.Equal(2, calls);

        var garbage = await client.AnalyzeAsync(await client.ObservableAsync("domain", "garbage.example", tlp: "GREEN", pap: "GREEN"), "rdap");
        Assert.Equal("failure", garbage.Status());
        Assert.Contains("not JSON", garbage.Reason());

        var entity = await client.AnalyzeAsync(await client.ObservableAsync("domain", "entity.example", tlp: "GREEN", pap: "GREEN"), "rdap");
        Assert.Equal("failure", entity.Status());
        Assert.Contains("not an RDAP domain object", entity.Reason());
    }
}

public sealed class RdapAnalyzerTestsOnSqlite(EnrichmentSqliteServer server) : RdapAnalyzerTests(server), IClassFixture<EnrichmentSqliteServer>;

public sealed class RdapAnalyzerTestsOnPostgres(EnrichmentPostgresServer server) : RdapAnalyzerTests(server), IClassFixture<EnrichmentPostgresServer>;
