using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Taxii;

/// <summary>The TAXII 2.1 server: discovery, status codes, posting and reading objects, filters, paging, permissions per collection.</summary>
public abstract class TaxiiServerTests<TServer>(TServer server) : IAsyncLifetime where TServer : TestServer, IClockedServer
{
    Tenant _org = null!;
    HttpClient _admin = null!;

    /// <summary>Every test works in an organisation of its own: the indicators collection then holds only its indicators.</summary>
    public async Task InitializeAsync()
    {
        _org = await Tenants.CreateAsync(server);
        _admin = Taxii.Client(server, _org.AdminKey);
    }

    public Task DisposeAsync()
    {
        _admin.Dispose();
        return Task.CompletedTask;
    }

    async Task<HttpClient> UserAsync(string role)
    {
        var id = await Tenants.CreateUserAsync(_admin, Tenants.NewUsername(), role);
        return Taxii.Client(server, await Tenants.CreateKeyAsync(server, id, _org.OrgId));
    }

    [Fact]
    public async Task Discovery_is_open_and_names_the_api_root_which_advertises_its_max_content_length()
    {
        using var anonymous = server.Client(null);
        using var discovery = await anonymous.GetAsync("/taxii2/");
        Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
        Assert.Equal(Taxii.MediaType, discovery.Content.Headers.ContentType!.ToString().Replace(" ", ""));
        var d = await discovery.JsonAsync();
        var root = new Uri(server.BaseAddress, "/taxii2/api/").ToString();
        Assert.Equal(root, d.GetProperty("default").GetString());
        Assert.Equal([root], d.GetProperty("api_roots").EnumerateArray().Select(r => r.GetString()));

        var api = await _admin.GetAsync("/taxii2/api/").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(_org.Name, api.GetProperty("title").GetString());
        Assert.Equal([Taxii.MediaType], api.GetProperty("versions").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(TaxiiServerSetup.MaxContentLength, api.GetProperty("max_content_length").GetInt32());
    }

    [Fact]
    public async Task An_unacceptable_Accept_is_406_and_any_taxii_21_or_wildcard_Accept_is_served()
    {
        using var client = server.Client(_org.AdminKey);
        foreach (var accept in new[] { "application/json", "application/taxii+json;version=2.0", "text/html" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/taxii2/api/collections/");
            request.Headers.TryAddWithoutValidation("Accept", accept);
            var error = await client.SendAsync(request).ExpectErrorAsync(HttpStatusCode.NotAcceptable);
            Assert.Contains(Taxii.MediaType, Taxii.Description(error));
        }
        foreach (var accept in new[] { "*/*", "application/*", "application/taxii+json", "application/taxii+json; version=2.1", "text/html;q=0.9, application/taxii+json;version=2.1" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/taxii2/api/collections/");
            request.Headers.TryAddWithoutValidation("Accept", accept);
            using var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{accept}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task A_post_that_is_not_taxii_json_is_415_and_one_over_max_content_length_is_413()
    {
        var collection = await Taxii.CreateCollectionAsync(_admin);
        var envelope = Taxii.Envelope(Taxii.Identity(Taxii.NewId("identity")));
        await Taxii.PostAsync(_admin, collection, envelope, "application/json").ExpectErrorAsync(HttpStatusCode.UnsupportedMediaType);
        await Taxii.PostAsync(_admin, collection, envelope, "application/taxii+json;version=2.0").ExpectErrorAsync(HttpStatusCode.UnsupportedMediaType);

        var big = Taxii.Envelope(Enumerable.Range(0, 400).Select(_ => Taxii.Identity(Taxii.NewId("identity"))).ToArray());
        Assert.True(Encoding.UTF8.GetByteCount(big) > TaxiiServerSetup.MaxContentLength);
        var error = await Taxii.PostAsync(_admin, collection, big).ExpectErrorAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("max_content_length", Taxii.Description(error));

        // Without a Content-Length (chunked), the limit holds while reading.
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        chunked.Headers.ContentType = MediaTypeHeaderValue.Parse(Taxii.MediaType);
        using var request = new HttpRequestMessage(HttpMethod.Post, Taxii.Objects(collection)) { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        await _admin.SendAsync(request).ExpectErrorAsync(HttpStatusCode.RequestEntityTooLarge);

        // Nothing of the refused posts was kept.
        var objects = await _admin.GetAsync(Taxii.Objects(collection)).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(Taxii.Ids(objects));
    }

    [Fact]
    public async Task Without_credentials_it_is_401_with_the_schemes_and_the_api_key_works_as_Basic_password()
    {
        using var anonymous = server.Client(null);
        using (var response = await anonymous.GetAsync("/taxii2/api/collections/"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("Basic", response.Headers.WwwAuthenticate.ToString());
            Assert.True(Taxii.IsTaxiiError(response));
        }
        await anonymous.GetAsync("/taxii2/api/").ExpectErrorAsync(HttpStatusCode.Unauthorized);

        using var basic = server.Client(null);
        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("any-user:" + _org.AdminKey)));
        var collections = await basic.GetAsync("/taxii2/api/collections/").ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(collections.GetProperty("collections").EnumerateArray(), c => c.GetProperty("id").GetString() == Taxii.IndicatorsCollection);

        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("any-user:qk_wrong")));
        var error = await basic.GetAsync("/taxii2/api/collections/").ExpectErrorAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("unknown", Taxii.Description(error));
    }

    [Fact]
    public async Task Bad_filters_bad_envelopes_and_unknown_resources_are_TAXII_errors()
    {
        var collection = await Taxii.CreateCollectionAsync(_admin);
        var objects = Taxii.Objects(collection);
        foreach (var query in new[] { "match[foo]=x", "added_after=yesterday", "next=garbage", "limit=0", "limit=x", "match[version]=newest" })
            await _admin.GetAsync(objects + "?" + query).ExpectErrorAsync(HttpStatusCode.BadRequest);
        await Taxii.PostAsync(_admin, collection, "{\"objects\": [").ExpectErrorAsync(HttpStatusCode.BadRequest);
        await Taxii.PostAsync(_admin, collection, "[]").ExpectErrorAsync(HttpStatusCode.BadRequest);
        await Taxii.PostAsync(_admin, collection, "{\"more\": false}").ExpectErrorAsync(HttpStatusCode.BadRequest);
        await _admin.GetAsync($"/taxii2/api/collections/{Guid.NewGuid()}/objects/").ExpectErrorAsync(HttpStatusCode.NotFound);
        await _admin.GetAsync($"/taxii2/api/status/{Guid.NewGuid()}/").ExpectErrorAsync(HttpStatusCode.NotFound);
        await _admin.GetAsync("/taxii2/api/nothing/here/").ExpectErrorAsync(HttpStatusCode.NotFound);
        await _admin.DeleteAsync("/taxii2/api/collections/").ExpectErrorAsync(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task Posted_objects_get_a_status_per_object_are_kept_and_their_indicators_are_imported()
    {
        var collection = await Taxii.CreateCollectionAsync(_admin);
        var (good, bad, partial, identity) = (Taxii.NewId("indicator"), Taxii.NewId("indicator"), Taxii.NewId("indicator"), Taxii.NewId("identity"));
        var envelope = Taxii.Envelope(
            Taxii.Indicator(good, "[ipv4-addr:value = '203.0.113.50' OR domain-name:value = 'c2.partner-drop.example']"),
            Taxii.Indicator(bad, "[file:name = 'a' and file:size = 1]"),
            Taxii.Indicator(partial, "[domain-name:value = 'ok.partner-drop.example' OR domain-name:value = 'not a domain']"),
            Taxii.Identity(identity),
            new { type = "indicator", id = "not-an-id" },
            "a string");
        var status = await Taxii.PostAsync(_admin, collection, envelope).ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal("complete", status.GetProperty("status").GetString());
        Assert.Equal((6, 3, 3, 0), (status.GetProperty("total_count").GetInt32(), status.GetProperty("success_count").GetInt32(),
            status.GetProperty("failure_count").GetInt32(), status.GetProperty("pending_count").GetInt32()));
        var successes = status.GetProperty("successes").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!);
        Assert.Equal(new[] { good, partial, identity }.Order(), successes.Keys.Order());
        Assert.Equal("2026-11-01T10:00:00.000Z", successes[good].GetProperty("version").GetString());
        Assert.Contains("1 of 2 values imported", successes[partial].GetProperty("message").GetString());
        var failures = status.GetProperty("failures").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!, s => s.GetProperty("message").GetString()!);
        Assert.Contains("invalid STIX pattern at offset 17", failures[bad]);
        Assert.Contains("UUID", failures["not-an-id"]);
        Assert.Contains("JSON object", failures["objects[5]"]);

        // The status can be read again, and the accepted objects are in the collection.
        var again = await _admin.GetAsync($"/taxii2/api/status/{status.GetProperty("id").GetString()}/").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(status.ToString(), again.ToString());
        var objects = await _admin.GetAsync(Taxii.Objects(collection)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(new[] { good, partial, identity }.Order(), Taxii.Ids(objects).Order());

        // The indicators are in the intel store with the collection as their source.
        foreach (var value in new[] { "203.0.113.50", "c2.partner-drop.example", "ok.partner-drop.example" })
        {
            var found = await _admin.GetAsync("/api/v1/indicators?value=" + Uri.EscapeDataString(value)).ExpectAsync(HttpStatusCode.OK);
            var item = Assert.Single(found.GetProperty("items").EnumerateArray());
            Assert.StartsWith("TAXII col-", item.GetProperty("sources")[0].GetString());
        }
    }

    [Fact]
    public async Task Objects_page_by_limit_and_next_and_added_after_returns_only_what_came_later()
    {
        var collection = await Taxii.CreateCollectionAsync(_admin);
        var first = Enumerable.Range(0, 3).Select(_ => Taxii.NewId("identity")).ToList();
        await Taxii.PostAsync(_admin, collection, Taxii.Envelope([.. first.Select(Taxii.Identity)])).ExpectAsync(HttpStatusCode.Accepted);
        server.Clock.Advance(TimeSpan.FromMinutes(1));
        var second = Enumerable.Range(0, 2).Select(_ => Taxii.NewId("identity")).ToList();
        await Taxii.PostAsync(_admin, collection, Taxii.Envelope([.. second.Select(Taxii.Identity)])).ExpectAsync(HttpStatusCode.Accepted);

        var seen = new List<string>();
        string? next = null;
        var pages = 0;
        string? lastOfFirstPost = null;
        do
        {
            using var response = await _admin.GetAsync(Taxii.Objects(collection) + "?limit=2" + (next is null ? "" : "&next=" + Uri.EscapeDataString(next)));
            var page = await response.ExpectAsync(HttpStatusCode.OK);
            pages++;
            seen.AddRange(Taxii.Ids(page));
            Assert.True(response.Headers.Contains("X-TAXII-Date-Added-First"));
            if (pages == 1)
                lastOfFirstPost = response.Headers.GetValues("X-TAXII-Date-Added-Last").Single();
            next = page.GetProperty("more").GetBoolean() ? page.GetProperty("next").GetString() : null;
        }
        while (next is not null);
        Assert.Equal(3, pages);
        Assert.Equal([.. first, .. second], seen);

        var later = await _admin.GetAsync(Taxii.Objects(collection) + "?added_after=" + Uri.EscapeDataString(lastOfFirstPost!)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(second, Taxii.Ids(later));
        var manifest = await _admin.GetAsync($"/taxii2/api/collections/{collection}/manifest/?added_after=" + Uri.EscapeDataString(lastOfFirstPost!)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(second, Taxii.Ids(manifest));
        Assert.All(manifest.GetProperty("objects").EnumerateArray(), m => Assert.Equal("application/stix+json;version=2.1", m.GetProperty("media_type").GetString()));
        var none = await _admin.GetAsync(Taxii.Objects(collection) + "?added_after=2100-01-01T00:00:00Z").ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(Taxii.Ids(none));
        Assert.False(none.GetProperty("more").GetBoolean());
    }

    [Fact]
    public async Task Match_filters_select_by_id_type_and_version_and_a_version_is_kept_once()
    {
        var collection = await Taxii.CreateCollectionAsync(_admin);
        var (indicator, identity) = (Taxii.NewId("indicator"), Taxii.NewId("identity"));
        const string pattern = "[domain-name:value = 'versions.example']";
        await Taxii.PostAsync(_admin, collection, Taxii.Envelope(Taxii.Indicator(indicator, pattern, "2026-11-01T10:00:00.000Z"), Taxii.Identity(identity))).ExpectAsync(HttpStatusCode.Accepted);
        await Taxii.PostAsync(_admin, collection, Taxii.Envelope(Taxii.Indicator(indicator, pattern, "2026-11-05T10:00:00.000Z"))).ExpectAsync(HttpStatusCode.Accepted);
        await Taxii.PostAsync(_admin, collection, Taxii.Envelope(Taxii.Indicator(indicator, pattern, "2026-11-05T10:00:00.000Z"))).ExpectAsync(HttpStatusCode.Accepted);

        async Task<List<string>> Versions(string query) =>
            [.. (await _admin.GetAsync($"/taxii2/api/collections/{collection}/manifest/?{query}").ExpectAsync(HttpStatusCode.OK))
                .GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("id").GetString()![..8] + "@" + o.GetProperty("version").GetString())];

        Assert.Equal(["indicato@2026-11-05T10:00:00.000Z"], await Versions("match[type]=indicator"));
        Assert.Equal(["indicato@2026-11-01T10:00:00.000Z", "indicato@2026-11-05T10:00:00.000Z"], await Versions($"match[id]={indicator}&match[version]=all"));
        Assert.Equal(["indicato@2026-11-01T10:00:00.000Z"], await Versions($"match[id]={indicator}&match[version]=first"));
        Assert.Equal(["indicato@2026-11-01T10:00:00.000Z"], await Versions($"match[id]={indicator}&match[version]=2026-11-01T10:00:00Z"));
        Assert.Equal(["identity@2026-11-01T10:00:00.000Z"], await Versions("match[type]=identity,malware"));
        Assert.Equal(2, (await Versions($"match[id]={indicator},{identity}")).Count);
        Assert.Empty(await Versions("match[spec_version]=2.0"));

        var one = await _admin.GetAsync($"{Taxii.Objects(collection)}{indicator}/").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("2026-11-05T10:00:00.000Z", Assert.Single(one.GetProperty("objects").EnumerateArray()).GetProperty("modified").GetString());
        await _admin.GetAsync($"{Taxii.Objects(collection)}{Taxii.NewId("indicator")}/").ExpectErrorAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Each_collection_is_read_and_written_only_by_the_roles_it_names()
    {
        var adminsOnly = await Taxii.CreateCollectionAsync(_admin, canRead: ["admin"], canWrite: ["admin"]);
        var analystsRead = await Taxii.CreateCollectionAsync(_admin, canRead: ["analyst", "admin"], canWrite: ["admin"]);
        var envelope = Taxii.Envelope(Taxii.Identity(Taxii.NewId("identity")));
        using var analyst = await UserAsync("analyst");
        using var readOnly = await UserAsync("read-only");

        var listed = (await analyst.GetAsync("/taxii2/api/collections/").ExpectAsync(HttpStatusCode.OK)).GetProperty("collections").EnumerateArray()
            .ToDictionary(c => c.GetProperty("id").GetString()!, c => (c.GetProperty("can_read").GetBoolean(), c.GetProperty("can_write").GetBoolean()));
        Assert.False(listed.ContainsKey(adminsOnly));
        Assert.Equal((true, false), listed[analystsRead]);
        Assert.Equal((true, false), listed[Taxii.IndicatorsCollection]);

        await analyst.GetAsync(Taxii.Objects(adminsOnly)).ExpectErrorAsync(HttpStatusCode.NotFound);
        await analyst.GetAsync($"/taxii2/api/collections/{adminsOnly}/").ExpectErrorAsync(HttpStatusCode.NotFound);
        await analyst.GetAsync(Taxii.Objects(analystsRead)).ExpectAsync(HttpStatusCode.OK);
        var refused = await Taxii.PostAsync(analyst, analystsRead, envelope).ExpectErrorAsync(HttpStatusCode.Forbidden);
        Assert.Contains("not writable by the role analyst", Taxii.Description(refused));
        await readOnly.GetAsync(Taxii.Objects(analystsRead)).ExpectErrorAsync(HttpStatusCode.NotFound);
        await Taxii.PostAsync(readOnly, analystsRead, envelope).ExpectErrorAsync(HttpStatusCode.Forbidden);
        await Taxii.PostAsync(_admin, analystsRead, envelope).ExpectAsync(HttpStatusCode.Accepted);
        var readOnlyIndicators = await Taxii.PostAsync(_admin, Taxii.IndicatorsCollection, envelope).ExpectErrorAsync(HttpStatusCode.Forbidden);
        Assert.Contains("read-only", Taxii.Description(readOnlyIndicators));

        // Another organisation's admin sees neither the collection nor a status of this one.
        var status = await Taxii.PostAsync(_admin, adminsOnly, envelope).ExpectAsync(HttpStatusCode.Accepted);
        using var other = Taxii.Client(server, await server.CreateOtherOrganisationKeyAsync());
        await other.GetAsync(Taxii.Objects(adminsOnly)).ExpectErrorAsync(HttpStatusCode.NotFound);
        await other.GetAsync($"/taxii2/api/status/{status.GetProperty("id").GetString()}/").ExpectErrorAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_indicators_collection_serves_active_indicators_with_a_pattern_and_changed_ones_again()
    {
        using var api = server.Client(_org.AdminKey);
        var ids = new Dictionary<string, long>();
        foreach (var (type, value) in new[] { ("domain", "served.example"), ("ip-dst", "198.51.100.9"), ("text", "no pattern"), ("domain", "suppressed.example") })
            ids[value] = (await api.PostAsJsonAsync("/api/v1/indicators", new { type, value, source = "analyst", tlp = "green" }).ExpectAsync(HttpStatusCode.Created)).Id();
        for (var n = 0; n < 3; n++)
            await api.PostAsJsonAsync($"/api/v1/indicators/{ids["suppressed.example"]}/sightings", new { type = "false-positive" }).ExpectAsync(HttpStatusCode.Created);

        using var response = await _admin.GetAsync(Taxii.Objects(Taxii.IndicatorsCollection));
        var page = await response.ExpectAsync(HttpStatusCode.OK);
        var objects = page.GetProperty("objects").EnumerateArray().ToList();
        Assert.Equal(["[domain-name:value = 'served.example']", "[ipv4-addr:value = '198.51.100.9']"], objects.Select(o => o.GetProperty("pattern").GetString()).Order());
        Assert.All(objects, o => Assert.Equal("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", o.GetProperty("object_marking_refs")[0].GetString()));
        var last = response.Headers.GetValues("X-TAXII-Date-Added-Last").Single();
        Assert.Empty(Taxii.Ids(await _admin.GetAsync(Taxii.Objects(Taxii.IndicatorsCollection) + "?match[type]=identity").ExpectAsync(HttpStatusCode.OK)));

        // Nothing changed since the last date added; a new tag is a change, and the indicator comes again as a new version.
        Assert.Empty(Taxii.Ids(await _admin.GetAsync(Taxii.Objects(Taxii.IndicatorsCollection) + "?added_after=" + Uri.EscapeDataString(last)).ExpectAsync(HttpStatusCode.OK)));
        server.Clock.Advance(TimeSpan.FromMinutes(1));
        await api.PatchJsonAsync($"/api/v1/indicators/{ids["served.example"]}", new { tags = new[] { "campaign:x" } }).ExpectAsync(HttpStatusCode.OK);
        var changed = await _admin.GetAsync(Taxii.Objects(Taxii.IndicatorsCollection) + "?added_after=" + Uri.EscapeDataString(last)).ExpectAsync(HttpStatusCode.OK);
        var again = Assert.Single(changed.GetProperty("objects").EnumerateArray());
        Assert.Equal(["campaign:x"], again.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.True(string.CompareOrdinal(again.GetProperty("modified").GetString(), again.GetProperty("created").GetString()) > 0);
        var byId = await _admin.GetAsync(Taxii.Objects(Taxii.IndicatorsCollection) + "?match[id]=" + again.GetProperty("id").GetString()).ExpectAsync(HttpStatusCode.OK);
        Assert.Single(byId.GetProperty("objects").EnumerateArray());
    }

    [Fact]
    public async Task Admins_create_list_and_delete_collections_and_bad_input_is_a_problem_naming_the_field()
    {
        using var api = server.Client(_org.AdminKey);
        var created = await api.PostAsJsonAsync("/api/v1/taxii/collections", new { title = "Partner drops", description = "from partners", alias = "partners", canRead = new[] { "analyst", "admin" }, canWrite = new[] { "admin" } })
            .ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(["analyst", "admin"], created.GetProperty("canRead").EnumerateArray().Select(r => r.GetString()));
        var uuid = created.GetProperty("taxiiId").GetString();
        Assert.Equal($"/taxii2/api/collections/{uuid}/", created.GetProperty("url").GetString());
        var list = (await api.GetAsync("/api/v1/taxii/collections").ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal("indicators", list[0].GetProperty("kind").GetString());
        Assert.Contains(list, c => c.GetProperty("taxiiId").GetString() == uuid);
        var taxii = await _admin.GetAsync($"/taxii2/api/collections/{uuid}/").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("Partner drops", "partners", true, true), (taxii.GetProperty("title").GetString(), taxii.GetProperty("alias").GetString(),
            taxii.GetProperty("can_read").GetBoolean(), taxii.GetProperty("can_write").GetBoolean()));

        await api.PostAsJsonAsync("/api/v1/taxii/collections", new { title = "Partner drops" }).ExpectProblemAsync(HttpStatusCode.Conflict);
        var bad = await api.PostAsJsonAsync("/api/v1/taxii/collections", new { title = "", alias = "Not Valid", canRead = new[] { "auditor" }, canWrite = new[] { "read-only" } })
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["alias", "canRead", "canWrite", "title"], Problem.Fields(bad).Order());

        await api.DeleteAsync($"/api/v1/taxii/collections/{created.Id()}").ExpectAsync(HttpStatusCode.NoContent);
        await _admin.GetAsync($"/taxii2/api/collections/{uuid}/").ExpectErrorAsync(HttpStatusCode.NotFound);
        await api.DeleteAsync($"/api/v1/taxii/collections/{created.Id()}").ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}

public sealed class TaxiiServerTestsOnSqlite(TaxiiSqliteServer server) : TaxiiServerTests<TaxiiSqliteServer>(server), IClassFixture<TaxiiSqliteServer>;

public sealed class TaxiiServerTestsOnPostgres(TaxiiPostgresServer server) : TaxiiServerTests<TaxiiPostgresServer>(server), IClassFixture<TaxiiPostgresServer>;
