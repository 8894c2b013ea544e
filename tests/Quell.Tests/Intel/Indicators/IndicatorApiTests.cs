using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Indicators;

/// <summary>The indicator API on a real server: add and merge, search, view, edit, sightings, bulk import, bad input, tenants.</summary>
public abstract class IndicatorApiTests(TestServer server)
{
    async Task<HttpClient> TenantClientAsync() => server.Client((await Tenants.CreateAsync(server)).AdminKey);

    static Task<JsonElement> AddAsync(HttpClient client, object body, HttpStatusCode expected = HttpStatusCode.Created) =>
        client.PostAsJsonAsync("/api/v1/indicators", body).ExpectAsync(expected);

    static async Task<List<string>> ValuesAsync(HttpClient client, string query) =>
        (await client.GetAsync("/api/v1/indicators?" + query).ExpectAsync(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Select(i => i.GetProperty("value").GetString()!).ToList();

    static Task<HttpResponseMessage> ImportAsync(HttpClient client, string format, string text) =>
        client.PostAsync($"/api/v1/indicators/_import?format={format}", new StringContent(text, Encoding.UTF8, "text/plain"));

    [Fact]
    public async Task Posting_a_defanged_url_then_its_canonical_form_gives_one_indicator_with_both_sources()
    {
        using var client = await TenantClientAsync();
        var first = await AddAsync(client, new { type = "url", value = "HXXP://Evil[.]example", tags = new[] { "phishing" }, tlp = "green", source = "analyst paste" });
        var second = await AddAsync(client, new { type = "url", value = "http://evil.example/", source = "other team" }, HttpStatusCode.OK);

        Assert.Equal(first.Id(), second.Id());
        Assert.Equal("http://evil.example/", second.GetProperty("value").GetString());
        Assert.Equal(["analyst paste", "other team"], second.GetProperty("sources").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("GREEN", second.GetProperty("tlp").GetString());
        Assert.Equal("Phishing model", second.GetProperty("scoreExplanation").GetProperty("model").GetString());
        var actions = await server.Db.ReadAsync(c => c.QueryAsync<string>(
            "SELECT action FROM audit_log WHERE entity_type = 'indicator' AND entity_id = @id ORDER BY id", new { id = first.Id().ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        Assert.Equal(["indicator.create", "indicator.report"], actions);
    }

    [Fact]
    public async Task Search_finds_by_exact_normalized_value_prefix_type_tag_and_source()
    {
        using var client = await TenantClientAsync();
        await AddAsync(client, new { type = "domain", value = "bad.example", tags = new[] { "botnet" } });
        await AddAsync(client, new { type = "domain", value = "badder.example", source = "feed x" });
        await AddAsync(client, new { type = "ip-dst", value = "2001:DB8:0:0:0:0:0:1" });
        await AddAsync(client, new { type = "url", value = "http://bad.example/a_b%2F" });

        Assert.Equal(["bad.example"], await ValuesAsync(client, "value=BAD%5B.%5Dexample"));
        Assert.Equal(["2001:db8::1"], await ValuesAsync(client, "value=2001:db8:0::1"));
        Assert.Equal(["bad.example", "badder.example"], await ValuesAsync(client, "q=bad&type=domain"));
        Assert.Equal(["http://bad.example/a_b%2F"], await ValuesAsync(client, "q=http://bad.example/a_"));
        Assert.Equal(["bad.example"], await ValuesAsync(client, "tag=botnet"));
        Assert.Equal(["badder.example"], await ValuesAsync(client, "source=feed%20x"));
        Assert.Empty(await ValuesAsync(client, "q=bad%25"));
    }

    [Fact]
    public async Task Search_pages_with_a_cursor_and_filters_by_score()
    {
        using var client = await TenantClientAsync();
        for (var i = 0; i < 5; i++)
            await AddAsync(client, new { type = "ip-dst", value = $"198.51.100.{i}" });
        await AddAsync(client, new { type = "ip-dst", value = "198.51.100.200", lastSeen = "2000-01-01T00:00:00Z" });

        var page1 = await client.GetAsync("/api/v1/indicators?limit=4").ExpectAsync(HttpStatusCode.OK);
        var next = page1.GetProperty("next").GetString();
        var page2 = await client.GetAsync($"/api/v1/indicators?limit=4&cursor={next}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(4, page1.GetProperty("items").GetArrayLength());
        Assert.Equal(2, page2.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, page2.GetProperty("next").ValueKind);
        var fresh = await ValuesAsync(client, "minScore=50");
        Assert.Equal(5, fresh.Count);
        Assert.DoesNotContain("198.51.100.200", fresh);
    }

    [Fact]
    public async Task Sightings_change_the_score_and_three_false_positives_suppress()
    {
        using var client = await TenantClientAsync();
        var id = (await AddAsync(client, new { type = "domain", value = "noisy.example" })).Id();
        Assert.Equal(80, (await client.GetAsync($"/api/v1/indicators/{id}").ExpectAsync(HttpStatusCode.OK)).GetProperty("score").GetDouble());

        var one = await client.PostAsJsonAsync($"/api/v1/indicators/{id}/sightings", new { type = "false-positive", note = "our CDN" }).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(40, one.GetProperty("score").GetDouble());
        Assert.Equal(1, one.GetProperty("sightings").GetProperty("counts").GetProperty("false-positive").GetInt32());
        Assert.Equal("our CDN", one.GetProperty("sightings").GetProperty("recent")[0].GetProperty("note").GetString());
        await client.PostAsJsonAsync($"/api/v1/indicators/{id}/sightings", new { type = "false-positive" }).ExpectAsync(HttpStatusCode.Created);
        var three = await client.PostAsJsonAsync($"/api/v1/indicators/{id}/sightings", new { type = "false-positive" }).ExpectAsync(HttpStatusCode.Created);
        Assert.True(three.GetProperty("suppressed").GetBoolean());
        Assert.Equal(0, three.GetProperty("score").GetDouble());
        var confirmed = await client.PostAsJsonAsync($"/api/v1/indicators/{id}/sightings", new { type = "true-positive" }).ExpectAsync(HttpStatusCode.Created);
        Assert.False(confirmed.GetProperty("suppressed").GetBoolean());

        var bad = await client.PostAsJsonAsync($"/api/v1/indicators/{id}/sightings", new { type = "maybe" }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["type"], Problem.Fields(bad));
    }

    [Fact]
    public async Task Patch_changes_fields_and_delete_removes_the_indicator()
    {
        using var client = await TenantClientAsync();
        var id = (await AddAsync(client, new { type = "sha256", value = new string('F', 64) })).Id();
        var patched = await client.PatchJsonAsync($"/api/v1/indicators/{id}", new { tags = new[] { "confidence-level:usually-confident" }, tlp = "red", comment = "seen in case 12", toIds = false })
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("RED", patched.GetProperty("tlp").GetString());
        Assert.False(patched.GetProperty("toIds").GetBoolean());
        Assert.Equal(75, patched.GetProperty("score").GetDouble());
        var refused = await client.PatchJsonAsync($"/api/v1/indicators/{id}", new { value = "x" }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["value"], Problem.Fields(refused));

        var gone = await client.DeleteAsync($"/api/v1/indicators/{id}");
        Assert.Equal(HttpStatusCode.NoContent, gone.StatusCode);
        await client.GetAsync($"/api/v1/indicators/{id}").ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("no-such-type", "x", "type")]
    [InlineData("ip-dst", "300.1.1.1", "value")]
    [InlineData("domain", "evil\u0007.example", "value")]
    [InlineData("md5", "", "value")]
    public async Task Bad_input_is_refused_naming_the_field_and_nothing_is_written(string type, string value, string field)
    {
        var tenant = await Tenants.CreateAsync(server);
        using var client = server.Client(tenant.AdminKey);
        var problem = await AddAsync(client, new { type, value }, HttpStatusCode.BadRequest);
        Assert.Equal([field], Problem.Fields(problem));
        Assert.Equal(0, await CountAsync(tenant.OrgId));
    }

    [Fact]
    public async Task A_megabyte_value_is_refused_naming_the_field()
    {
        var tenant = await Tenants.CreateAsync(server);
        using var client = server.Client(tenant.AdminKey);
        var problem = await AddAsync(client, new { type = "text", value = new string('a', 1 << 20) }, HttpStatusCode.BadRequest);
        Assert.Equal(["value"], Problem.Fields(problem));
        Assert.Contains("65536", Problem.Detail(problem), StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(tenant.OrgId));
    }

    [Fact]
    public async Task A_yara_rule_keeps_its_lines_and_a_long_domain_is_refused_with_the_domain_limit()
    {
        var tenant = await Tenants.CreateAsync(server);
        using var client = server.Client(tenant.AdminKey);
        var rule = await AddAsync(client, new { type = "yara", value = "rule demo {\r\n\tcondition:\r\n\t\ttrue\r\n}" }, HttpStatusCode.Created);
        Assert.Equal("rule demo {\n\tcondition:\n\t\ttrue\n}", rule.GetProperty("value").GetString());
        var problem = await AddAsync(client, new { type = "domain", value = new string('a', 9000) + ".example" }, HttpStatusCode.BadRequest);
        Assert.Contains("at most 8192 are accepted for a domain", Problem.Detail(problem), StringComparison.Ordinal);
    }

    Task<int> CountAsync(long orgId) =>
        server.Db.ReadAsync(c => c.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM indicators WHERE org_id = @orgId", new { orgId }));

    [Fact]
    public async Task A_csv_import_reports_bad_lines_and_imports_the_rest()
    {
        var tenant = await Tenants.CreateAsync(server);
        using var client = server.Client(tenant.AdminKey);
        var csv = "Type,Value,Tags,Comment\r\nip-dst,192.0.2.10,\"c2,botnet\",from report\r\nmd5,nothex,,\r\nip-dst,192.0.2.11\r\ndomain,\"evil.example\",,\"quoted, comma\"\r\n";
        var result = await (await ImportAsync(client, "csv", csv)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, result.GetProperty("added").GetInt32());
        Assert.Equal(2, result.GetProperty("rejected").GetInt32());
        var errors = result.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("where").GetString() + ": " + e.GetProperty("message").GetString()).ToList();
        Assert.Equal("line 3: a md5 is 32 hexadecimal digits", errors[0]);
        Assert.Equal("line 4: 2 fields where the header names 4", errors[1]);
        Assert.Equal(["evil.example", "192.0.2.10"], await ValuesAsync(client, ""));
        Assert.Equal(["192.0.2.10"], await ValuesAsync(client, "tag=botnet"));
    }

    [Theory]
    [InlineData("type,value\nip-dst,\"192.0.2.1", "never closed")]
    [InlineData("kind,indicator\nip-dst,192.0.2.1", "must name the columns type and value")]
    [InlineData("", "empty")]
    public async Task A_broken_csv_is_refused_whole(string csv, string expected)
    {
        var tenant = await Tenants.CreateAsync(server);
        using var client = server.Client(tenant.AdminKey);
        var problem = await (await ImportAsync(client, "csv", csv)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["body"], Problem.Fields(problem));
        Assert.Contains(expected, Problem.Detail(problem), StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(tenant.OrgId));
    }

    [Fact]
    public async Task A_freetext_paste_detects_types()
    {
        using var client = await TenantClientAsync();
        var text = "# from the phishing report\nhxxps://login-micros0ft[.]example/verify\n203.0.113.5\n" + new string('a', 32) + "\nnot an indicator at all\n";
        var result = await (await ImportAsync(client, "freetext", text)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, result.GetProperty("added").GetInt32());
        Assert.Equal(1, result.GetProperty("rejected").GetInt32());
        Assert.Equal("line 5", result.GetProperty("errors")[0].GetProperty("where").GetString());
        var types = (await client.GetAsync("/api/v1/indicators").ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("type").GetString()).Order().ToList();
        Assert.Equal(["ip-dst", "md5", "url"], types);
    }

    [Fact]
    public async Task Another_organisation_neither_sees_nor_changes_an_indicator()
    {
        using var owner = await TenantClientAsync();
        using var other = await TenantClientAsync();
        var id = (await AddAsync(owner, new { type = "domain", value = "private.example" })).Id();

        await other.GetAsync($"/api/v1/indicators/{id}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await other.PatchJsonAsync($"/api/v1/indicators/{id}", new { comment = "x" }).ExpectProblemAsync(HttpStatusCode.NotFound);
        await other.PostAsJsonAsync($"/api/v1/indicators/{id}/sightings", new { type = "seen" }).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"/api/v1/indicators/{id}")).StatusCode);
        Assert.Empty(await ValuesAsync(other, "value=private.example"));
        var created = await AddAsync(other, new { type = "domain", value = "private.example" });
        Assert.NotEqual(id, created.Id());
    }

    [Fact]
    public async Task A_read_only_user_can_search_but_not_add()
    {
        var key = await server.CreateOtherOrganisationKeyAsync("read-only");
        using var client = server.Client(key);
        await client.GetAsync("/api/v1/indicators").ExpectAsync(HttpStatusCode.OK);
        await client.PostAsJsonAsync("/api/v1/indicators", new { type = "domain", value = "x.example" }).ExpectProblemAsync(HttpStatusCode.Forbidden);
    }
}

public sealed class IndicatorApiTestsOnSqlite(SqliteServer server) : IndicatorApiTests(server), IClassFixture<SqliteServer>;

public sealed class IndicatorApiTestsOnPostgres(PostgresServer server) : IndicatorApiTests(server), IClassFixture<PostgresServer>;
