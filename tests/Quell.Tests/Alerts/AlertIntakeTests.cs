using System.Net;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Alerts;

/// <summary>Posting alerts: bulk, TLP/PAP spellings, observable types and values, limits on untrusted text.</summary>
public abstract class AlertIntakeTests(TestServer server)
{
    [Fact]
    public async Task Bulk_creates_then_updates_by_source_ref_and_reports_each_status_in_order()
    {
        using var client = server.Client();
        var source = TestAlerts.NewSource();
        var first = await client.BulkAsync(new[]
        {
            TestAlerts.Alert(source, "a", observables: [("ip", "198.51.100.1")]),
            TestAlerts.Alert(source, "b"),
            TestAlerts.Alert(source, "c"),
        });
        Assert.Equal(3, first.GetProperty("count").GetInt32());
        Assert.Equal(["created", "created", "created"], first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("status").GetString()));
        Assert.Equal(["a", "b", "c"], first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("sourceRef").GetString()));

        var second = await client.BulkAsync(new
        {
            alerts = new[]
            {
                TestAlerts.Alert(source, "d"),
                TestAlerts.Alert(source, "a", severity: 4, title: "escalated", observables: [("ip", "198.51.100.2")]),
                TestAlerts.Alert(source, "d", title: "d again"),
            },
        });
        Assert.Equal(3, second.GetProperty("count").GetInt32());
        var items = second.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["created", "updated", "updated"], items.Select(i => i.GetProperty("status").GetString()));
        Assert.Equal(first.GetProperty("items")[0].GetProperty("id").GetInt64(), items[1].GetProperty("id").GetInt64());
        Assert.Equal(items[0].GetProperty("id").GetInt64(), items[2].GetProperty("id").GetInt64());

        var all = await client.ListAllAsync($"source={source}");
        Assert.Equal(4, all.Count);
        var a = await client.GetAsync($"/api/v1/alerts/{items[1].GetProperty("id").GetInt64()}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("escalated", a.GetProperty("title").GetString());
        Assert.Equal(4, a.GetProperty("severity").GetInt32());
        Assert.Equal("new", a.GetProperty("status").GetString());
        Assert.Equal(2, a.GetProperty("observableCount").GetInt32());
        Assert.Equal([("ip", "198.51.100.1"), ("ip", "198.51.100.2")], a.Observables());
        Assert.Equal("d again", all.Single(x => x.GetProperty("sourceRef").GetString() == "d").GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("{\"alerts\": 5}")]
    [InlineData("{\"title\": \"not a list\"}")]
    [InlineData("\"text\"")]
    public async Task Bulk_body_that_is_not_a_list_of_alerts_is_a_400(string body)
    {
        using var client = server.Client();
        var problem = await client.PostJsonAsync("/api/v1/alerts/_bulk", body).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("body", out _));
    }

    [Fact]
    public async Task Bulk_of_more_than_a_thousand_alerts_is_refused_whole()
    {
        using var client = server.Client();
        var source = TestAlerts.NewSource();
        var problem = await client.BulkAsync(Enumerable.Range(0, 1001).Select(i => TestAlerts.Alert(source, "r" + i)).ToArray(), HttpStatusCode.BadRequest);
        Assert.Contains("at most 1000", problem.GetProperty("detail").GetString());
        Assert.Empty(await client.IdsAsync($"source={source}"));
    }

    [Theory]
    [InlineData("\"WHITE\"", "CLEAR")]
    [InlineData("\"clear\"", "CLEAR")]
    [InlineData("\"TLP:GREEN\"", "GREEN")]
    [InlineData("\"tlp:amber\"", "AMBER")]
    [InlineData("\"AMBER+STRICT\"", "AMBER+STRICT")]
    [InlineData("\"TLP:AMBER+STRICT\"", "AMBER+STRICT")]
    [InlineData("\" Red \"", "RED")]
    [InlineData("0", "CLEAR")]
    [InlineData("1", "GREEN")]
    [InlineData("2", "AMBER")]
    [InlineData("3", "RED")]
    public async Task Tlp_and_pap_are_accepted_as_names_and_as_thehive_numbers(string given, string stored)
    {
        using var client = server.Client();
        var body = $$"""{"type":"t","source":"{{TestAlerts.NewSource()}}","sourceRef":"r","title":"t","tlp":{{given}},"pap":{{given}}}""";
        var alert = await client.PostJsonAsync("/api/v1/alerts", body).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(stored, alert.GetProperty("tlp").GetString());
        Assert.Equal(stored, alert.GetProperty("pap").GetString());
    }

    [Theory]
    [InlineData("4")]
    [InlineData("-1")]
    [InlineData("2.5")]
    [InlineData("\"PURPLE\"")]
    [InlineData("\"TLP:\"")]
    [InlineData("\"2\"")]
    [InlineData("true")]
    [InlineData("[\"RED\"]")]
    public async Task Unknown_tlp_and_pap_are_named_with_the_accepted_values(string given)
    {
        using var client = server.Client();
        var body = $$"""{"type":"t","source":"s","sourceRef":"r","title":"t","tlp":{{given}},"pap":{{given}}}""";
        var problem = await client.PostJsonAsync("/api/v1/alerts", body).ExpectAsync(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.Contains("CLEAR, GREEN, AMBER, AMBER+STRICT or RED", errors.GetProperty("tlp")[0].GetString());
        Assert.Contains("pap must be", errors.GetProperty("pap")[0].GetString());
    }

    [Fact]
    public async Task Defaults_are_severity_2_and_amber()
    {
        using var client = server.Client();
        var alert = await client.PostJsonAsync("/api/v1/alerts", $$"""{"type":"t","source":"{{TestAlerts.NewSource()}}","sourceRef":"r","title":"t"}""").ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(2, alert.GetProperty("severity").GetInt32());
        Assert.Equal("AMBER", alert.GetProperty("tlp").GetString());
        Assert.Equal("AMBER", alert.GetProperty("pap").GetString());
        Assert.Equal("new", alert.GetProperty("status").GetString());
        Assert.False(alert.GetProperty("read").GetBoolean());
    }

    [Fact]
    public async Task An_unknown_data_type_is_named_with_the_allowed_types()
    {
        using var client = server.Client();
        var problem = await client.PostAlertAsync(TestAlerts.Alert("s", observables: [("ip", "192.0.2.1"), ("ipaddress", "192.0.2.2")]), HttpStatusCode.BadRequest);
        var message = problem.GetProperty("errors").GetProperty("observables[1].dataType")[0].GetString()!;
        Assert.Contains("'ipaddress' is unknown", message);
        Assert.Contains("ip, domain, fqdn, url, mail, mail-subject, hash, filename, file, hostname, user-agent, registry, autonomous-system", message);
    }

    [Fact]
    public async Task Observables_are_normalized_and_deduplicated_with_flags_merged()
    {
        using var client = server.Client();
        var body = new Dictionary<string, object?>(TestAlerts.Alert(TestAlerts.NewSource()))
        {
            ["observables"] = new object[]
            {
                new { dataType = "domain", data = "Evil.Example.", tags = new[] { "a" } },
                new { dataType = "domain", data = "evil.example", ioc = true, tags = new[] { "b" } },
                new { dataType = "mail_subject", data = "  Invoice overdue " },
                new { dataType = "IP", data = "2001:DB8:0:0:0:0:0:1" },
                new { dataType = "hash", data = "D41D8CD98F00B204E9800998ECF8427E", sighted = true },
            },
        };
        var alert = await client.PostAlertAsync(body);
        Assert.Equal([("domain", "evil.example"), ("hash", "d41d8cd98f00b204e9800998ecf8427e"), ("ip", "2001:db8::1"), ("mail-subject", "Invoice overdue")],
            alert.Observables());
        var domain = alert.GetProperty("observables").EnumerateArray().Single(o => o.GetProperty("dataType").GetString() == "domain");
        Assert.True(domain.GetProperty("ioc").GetBoolean());
        Assert.Equal(["a", "b"], domain.GetProperty("tags").Strings());
        Assert.Equal(4, alert.GetProperty("observableCount").GetInt32());
    }

    [Fact]
    public async Task Reposting_an_observable_merges_its_flags_tags_and_message_into_the_stored_one()
    {
        using var client = server.Client();
        var alert = TestAlerts.Alert(TestAlerts.NewSource());
        alert["observables"] = new object[] { new { dataType = "domain", data = "flags.example", tags = new[] { "first" } } };
        await client.PostAlertAsync(alert);
        alert["observables"] = new object[]
        {
            new { dataType = "domain", data = "FLAGS.example", ioc = true, sighted = true, tags = new[] { "second" }, message = "seen in proxy logs" },
        };
        var updated = await client.PostAlertAsync(alert, HttpStatusCode.OK);
        alert["observables"] = new object[] { new { dataType = "domain", data = "flags.example", ioc = false, tags = new[] { "first" } } };
        var again = await client.PostAlertAsync(alert, HttpStatusCode.OK);

        foreach (var view in new[] { updated, again })
        {
            var o = Assert.Single(view.GetProperty("observables").EnumerateArray());
            Assert.True(o.GetProperty("ioc").GetBoolean());
            Assert.True(o.GetProperty("sighted").GetBoolean());
            Assert.Equal(["first", "second"], o.GetProperty("tags").Strings());
            Assert.Equal("seen in proxy logs", o.GetProperty("message").GetString());
            Assert.Equal(1, view.GetProperty("observableCount").GetInt32());
        }
    }

    [Theory]
    [InlineData("ip", "999.1.1.1")]
    [InlineData("ip", "example.com")]
    [InlineData("hash", "not-hex")]
    [InlineData("domain", " ")]
    public async Task An_impossible_observable_value_is_named(string type, string data)
    {
        using var client = server.Client();
        var problem = await client.PostAlertAsync(TestAlerts.Alert("s", observables: [(type, data)]), HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("observables[0].data", out _), errors.ToString());
    }

    [Fact]
    public async Task Raw_payload_and_first_evidence_are_kept()
    {
        using var client = server.Client();
        var body = new Dictionary<string, object?>(TestAlerts.Alert(TestAlerts.NewSource(), date: "2025-04-01T10:00:00Z"))
        {
            ["firstEvidenceAt"] = 1743400000000,
            ["raw"] = new { rule = "R1", hits = new[] { 1, 2 } },
        };
        var alert = await client.PostAlertAsync(body);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1743400000000), alert.GetProperty("firstEvidenceAt").GetDateTimeOffset());
        Assert.Equal(DateTimeOffset.Parse("2025-04-01T10:00:00Z"), alert.GetProperty("date").GetDateTimeOffset());
        Assert.Equal("R1", alert.GetProperty("raw").GetProperty("rule").GetString());
    }

    [Theory]
    [InlineData("title")]
    [InlineData("source")]
    [InlineData("description")]
    [InlineData("tags")]
    [InlineData("observables")]
    public async Task Text_with_a_nul_character_is_refused_on_every_store(string field)
    {
        using var client = server.Client();
        var (value, path) = field switch
        {
            "tags" => (new[] { "ok", "before\u0000after" }, "tags[1]"),
            "observables" => (new object[] { new { dataType = "filename", data = "invoice.pdf\u0000.exe" } }, "observables[0].data"),
            _ => ((object)"before\u0000after", field),
        };
        var body = new Dictionary<string, object?>(TestAlerts.Alert(TestAlerts.NewSource())) { [field] = value };
        var problem = await client.PostAlertAsync(body, HttpStatusCode.BadRequest);
        var message = problem.GetProperty("errors").GetProperty(path)[0].GetString();
        Assert.Equal($"{path} must not contain the NUL character (\\u0000)", message);
    }

    [Fact]
    public async Task A_long_url_observable_is_stored_on_every_store()
    {
        using var client = server.Client();
        // Phishing links with long tracking tokens; random, so that PostgreSQL cannot compress it below its index limit.
        var url = "https://login.example/track?t=" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4000));
        var alert = await client.PostAlertAsync(TestAlerts.Alert(TestAlerts.NewSource(), observables: [("url", url)]));
        Assert.Equal([("url", url)], alert.Observables());
        var again = await client.PostAlertAsync(TestAlerts.Alert(TestAlerts.NewSource(), observables: [("url", url)]));
        var similar = await client.GetAsync($"/api/v1/alerts/{again.GetProperty("id").GetInt64()}/similar").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(alert.GetProperty("id").GetInt64(), similar.GetProperty("alerts")[0].GetProperty("id").GetInt64());
    }
}

public sealed class AlertIntakeTestsOnSqlite(SqliteServer server) : AlertIntakeTests(server), IClassFixture<SqliteServer>;

public sealed class AlertIntakeTestsOnPostgres(PostgresServer server) : AlertIntakeTests(server), IClassFixture<PostgresServer>;
