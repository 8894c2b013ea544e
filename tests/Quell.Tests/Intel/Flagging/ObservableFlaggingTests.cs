using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Quell.Tests.Support;
using static Quell.Tests.Intel.Flagging.FlagApi;

namespace Quell.Tests.Intel.Flagging;

/// <summary>
/// Observables of alerts and cases flagged by the background flagger against the organisation's indicators, seen
/// through the API as clients see them. The flagger works after commit, so every test waits for its flag by polling.
/// </summary>
public abstract class ObservableFlaggingTests(TestServer server)
{
    [Fact]
    public async Task An_alert_on_a_listed_domain_s_subdomain_is_flagged_with_the_indicator_and_how_it_matched()
    {
        using var client = server.Client();
        var domain = NewDomain();
        var indicator = await client.AddIndicatorAsync("domain", domain, "flag-feed");
        var url = $"https://login.mail.{domain}/owa?user=a";
        var posted = await client.PostAlertAsync(TestAlerts.Alert(TestAlerts.NewSource(),
            observables: [("url", url), ("fqdn", "mx." + domain), ("domain", domain), ("domain", "not" + domain), ("mail", "hr@" + domain)]));
        // Flagging happens after commit: the answer to the post carries no intel yet.
        Assert.All(posted.GetProperty("observables").EnumerateArray(), o => Assert.False(o.TryGetProperty("intel", out _)));

        var alert = await client.WaitForIntelAsync($"/api/v1/alerts/{posted.Id()}", url);

        var match = SingleIntel(alert, url);
        Assert.Equal(indicator, match.IndicatorId());
        Assert.Equal(("domain", domain), (match.GetProperty("type").GetString(), match.GetProperty("value").GetString()));
        Assert.Contains("flag-feed", match.GetProperty("sources").Strings());
        Assert.InRange(match.GetProperty("score").GetDouble(), 1, 100);
        Assert.True(match.TryGetProperty("matchedAt", out _));
        Assert.Equal("domain-suffix", match.MatchKind());
        Assert.Equal("domain-suffix", SingleIntel(alert, "mx." + domain).MatchKind());
        Assert.Equal("exact", SingleIntel(alert, domain).MatchKind());
        Assert.Equal("email-domain", SingleIntel(alert, "hr@" + domain).MatchKind());
        Assert.Empty(IntelOf(alert, "not" + domain)!.Value.EnumerateArray());
    }

    [Fact]
    public async Task Url_address_block_and_e_mail_indicators_flag_what_they_match()
    {
        using var client = server.Client();
        var host = NewDomain();
        var net = NewNet();
        var phisher = "payroll@" + NewDomain();
        var octets = net.Split('.');
        var outside = $"{octets[0]}.{octets[1]}.{int.Parse(octets[2], System.Globalization.CultureInfo.InvariantCulture) % 254 + 1}.1";
        var url = await client.AddIndicatorAsync("url", $"http://{host}/login.php?id=7");
        var block = await client.AddIndicatorAsync("ip-dst", $"{net}.0/24");
        var mail = await client.AddIndicatorAsync("email-src", phisher);
        var alert = await client.CreateAlertAsync(TestAlerts.Alert(TestAlerts.NewSource(), observables:
        [
            ("url", $"HTTP://{host.ToUpperInvariant()}:80/login.php?id=7#top"), ("ip", $"{net}.77"), ("url", $"https://{net}.9/panel"),
            ("mail", phisher.ToUpperInvariant()), ("ip", outside),
        ]));

        var view = await client.WaitForIntelAsync($"/api/v1/alerts/{alert}", phisher);
        view = await client.WaitForIntelAsync($"/api/v1/alerts/{alert}", $"{net}.77");

        var byUrl = SingleIntel(view, $"HTTP://{host.ToUpperInvariant()}:80/login.php?id=7#top");
        Assert.Equal((url, "exact"), (byUrl.IndicatorId(), byUrl.MatchKind()));
        var inBlock = SingleIntel(view, $"{net}.77");
        Assert.Equal((block, "cidr"), (inBlock.IndicatorId(), inBlock.MatchKind()));
        Assert.Equal((block, "cidr"), (SingleIntel(view, $"https://{net}.9/panel").IndicatorId(), SingleIntel(view, $"https://{net}.9/panel").MatchKind()));
        var byMail = SingleIntel(view, phisher);
        Assert.Equal((mail, "exact"), (byMail.IndicatorId(), byMail.MatchKind()));
        Assert.Empty(IntelOf(view, outside)!.Value.EnumerateArray());
    }

    [Fact]
    public async Task Alerts_posted_in_bulk_and_observables_added_by_reposting_are_flagged()
    {
        using var client = server.Client();
        var domain = NewDomain();
        var indicator = await client.AddIndicatorAsync("domain", domain);
        var source = TestAlerts.NewSource();
        var bulk = await client.BulkAsync(new[]
        {
            TestAlerts.Alert(source, sourceRef: "one", observables: ("fqdn", "one." + domain)),
            TestAlerts.Alert(source, sourceRef: "two", observables: ("fqdn", "two." + domain)),
        });
        var ids = bulk.GetProperty("items").EnumerateArray().Select(i => i.Id()).ToList();
        await client.WaitForIntelAsync($"/api/v1/alerts/{ids[0]}", "one." + domain);
        await client.WaitForIntelAsync($"/api/v1/alerts/{ids[1]}", "two." + domain);

        // Promoted, then posted again with one more observable: the alert and its case both get it, flagged.
        var caseId = (await client.PostAsync($"/api/v1/alerts/{ids[0]}/case", null).ExpectAsync(HttpStatusCode.Created)).Id();
        await client.PostAlertAsync(TestAlerts.Alert(source, sourceRef: "one", observables: [("fqdn", "one." + domain), ("url", $"http://one.{domain}/x")]),
            HttpStatusCode.OK);
        var alert = await client.WaitForIntelAsync($"/api/v1/alerts/{ids[0]}", $"http://one.{domain}/x");
        var inCase = await client.WaitForIntelAsync($"/api/v1/cases/{caseId}", $"http://one.{domain}/x");
        Assert.Equal(indicator, SingleIntel(alert, $"http://one.{domain}/x").IndicatorId());
        Assert.Equal(indicator, SingleIntel(inCase, $"http://one.{domain}/x").IndicatorId());
    }

    [Fact]
    public async Task Warninglisted_suppressed_and_expired_indicators_are_recorded_but_not_shown_as_matches()
    {
        using var client = server.Client();
        var control = NewDomain();
        await client.AddIndicatorAsync("domain", control);
        // 203.0.113.0/24 is a documentation range: the built-in sanity check puts the indicator on a warninglist.
        var listed = await client.AddIndicatorAsync("ip-dst", "203.0.113.0/24");
        var doubted = NewDomain();
        var suppressed = await client.AddIndicatorAsync("domain", doubted);
        for (var i = 0; i < 3; i++)
            await client.PostAsJsonAsync($"/api/v1/indicators/{suppressed}/sightings", new { type = "false-positive" }).ExpectAsync(HttpStatusCode.Created);
        var stale = NewDomain();
        var expired = await client.AddIndicatorAsync("domain", stale);
        await client.PostAsJsonAsync($"/api/v1/indicators/{expired}/sightings", new { type = "expiration" }).ExpectAsync(HttpStatusCode.Created);
        var alert = await client.CreateAlertAsync(TestAlerts.Alert(TestAlerts.NewSource(),
            observables: [("ip", "203.0.113.50"), ("domain", doubted), ("domain", stale), ("domain", control)]));

        // The observables of one alert are looked up in one pass: once the control is flagged, so are the others.
        var view = await client.WaitForIntelAsync($"/api/v1/alerts/{alert}", control);

        Assert.Empty(IntelOf(view, "203.0.113.50")!.Value.EnumerateArray());
        Assert.Empty(IntelOf(view, doubted)!.Value.EnumerateArray());
        Assert.Empty(IntelOf(view, stale)!.Value.EnumerateArray());
        // Recorded all the same: the indicators' "where it matched" lists the alert.
        foreach (var id in new[] { listed, suppressed, expired })
            await WaitForMatchAsync(client, id, alert);
        // True-positive sightings offset the false ones: the suppression lifts and the recorded match counts again.
        for (var i = 0; i < 3; i++)
            await client.PostAsJsonAsync($"/api/v1/indicators/{suppressed}/sightings", new { type = "true-positive" }).ExpectAsync(HttpStatusCode.Created);
        var after = await client.GetAsync($"/api/v1/alerts/{alert}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(suppressed, SingleIntel(after, doubted).IndicatorId());
    }

    [Fact]
    public async Task An_indicator_stored_after_the_alert_flags_the_observable_already_stored()
    {
        using var client = server.Client();
        var hash = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var net = NewNet();
        var domain = NewDomain();
        var alert = await client.CreateAlertAsync(TestAlerts.Alert(TestAlerts.NewSource(),
            observables: [("hash", hash.ToUpperInvariant()), ("ip", $"{net}.20"), ("url", $"http://{domain}"), ("filename", "invoice.pdf.exe")]));
        var source = TestAlerts.NewSource();
        var caseAlert = await client.CreateAlertAsync(TestAlerts.Alert(source, observables: ("hash", hash)));
        var caseId = (await client.PostAsync($"/api/v1/alerts/{caseAlert}/case", null).ExpectAsync(HttpStatusCode.Created)).Id();

        var byHash = await client.AddIndicatorAsync("sha256", hash);
        var byBlock = await client.AddIndicatorAsync("ip-dst", $"{net}.16/28");
        var byUrl = await client.AddIndicatorAsync("url", $"http://{domain}/");
        var byPart = await client.AddIndicatorAsync("filename|md5", "invoice.pdf.exe|" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()));

        var view = await client.WaitForIntelAsync($"/api/v1/alerts/{alert}", hash);
        view = await client.WaitForIntelAsync($"/api/v1/alerts/{alert}", "invoice.pdf.exe");
        Assert.Equal((byHash, "exact"), (SingleIntel(view, hash).IndicatorId(), SingleIntel(view, hash).MatchKind()));
        Assert.Equal((byBlock, "cidr"), (SingleIntel(view, $"{net}.20").IndicatorId(), SingleIntel(view, $"{net}.20").MatchKind()));
        Assert.Equal(byUrl, SingleIntel(view, $"http://{domain}").IndicatorId());
        Assert.Equal((byPart, "composite-part"), (SingleIntel(view, "invoice.pdf.exe").IndicatorId(), SingleIntel(view, "invoice.pdf.exe").MatchKind()));
        var inCase = await client.WaitForIntelAsync($"/api/v1/cases/{caseId}", hash);
        Assert.Equal(byHash, SingleIntel(inCase, hash).IndicatorId());
    }

    [Fact]
    public async Task Observables_added_to_a_case_and_alerts_promoted_or_merged_into_cases_are_flagged()
    {
        using var client = server.Client();
        var domain = NewDomain();
        var indicator = await client.AddIndicatorAsync("domain", domain);
        var created = await client.CreateCaseAsync("Flag me", "\"observables\":[{\"dataType\":\"fqdn\",\"data\":\"c2." + domain + "\"}]");
        await client.PostAsJsonAsync($"/api/v1/cases/{created.Id()}/observables", new { dataType = "url", data = $"http://cdn.{domain}/a.js" })
            .ExpectAsync(HttpStatusCode.Created);
        var flagged = await client.WaitForIntelAsync($"/api/v1/cases/{created.Id()}", $"http://cdn.{domain}/a.js");
        Assert.Equal(indicator, SingleIntel(flagged, $"http://cdn.{domain}/a.js").IndicatorId());
        Assert.Equal(indicator, SingleIntel(flagged, "c2." + domain).IndicatorId());

        var source = TestAlerts.NewSource();
        var promoted = await client.CreateAlertAsync(TestAlerts.Alert(source, observables: ("domain", "www." + domain)));
        await client.WaitForIntelAsync($"/api/v1/alerts/{promoted}", "www." + domain);
        var fromAlert = (await client.PostAsync($"/api/v1/alerts/{promoted}/case", null).ExpectAsync(HttpStatusCode.Created)).Id();
        var merged = await client.CreateAlertAsync(TestAlerts.Alert(source, observables: ("mail", "ceo@" + domain)));
        await client.PostAsync($"/api/v1/alerts/{merged}/merge/{fromAlert}", null).ExpectAsync(HttpStatusCode.OK);

        var promotedCase = await client.WaitForIntelAsync($"/api/v1/cases/{fromAlert}", "www." + domain);
        promotedCase = await client.WaitForIntelAsync($"/api/v1/cases/{fromAlert}", "ceo@" + domain);
        Assert.Equal(indicator, SingleIntel(promotedCase, "www." + domain).IndicatorId());
        Assert.Equal("email-domain", SingleIntel(promotedCase, "ceo@" + domain).MatchKind());
        var number = promotedCase.GetProperty("number").GetInt64();
        var byNumber = await client.GetAsync($"/api/v1/cases/number/{number}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(indicator, SingleIntel(byNumber, "www." + domain).IndicatorId());
        var listed = (await client.GetAsync("/api/v1/cases?intelMatched=true&limit=500").ExpectAsync(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Select(c => c.Id()).ToList();
        Assert.Contains(fromAlert, listed);
        Assert.Contains(created.Id(), listed);
    }

    [Fact]
    public async Task A_removed_case_observable_loses_its_flag_and_a_new_one_is_flagged()
    {
        using var client = server.Client();
        var domain = NewDomain();
        var indicator = await client.AddIndicatorAsync("domain", domain);
        var id = (await client.CreateCaseAsync("Remove and add")).Id();
        var added = await client.PostAsJsonAsync($"/api/v1/cases/{id}/observables", new { dataType = "domain", data = "a." + domain })
            .ExpectAsync(HttpStatusCode.Created);
        var first = added.GetProperty("added")[0].Id();
        await client.WaitForIntelAsync($"/api/v1/cases/{id}", "a." + domain);

        (await client.DeleteAsync($"/api/v1/cases/{id}/observables/{first}")).EnsureSuccessStatusCode();
        Assert.DoesNotContain(id, await MatchedOwnersAsync(client, indicator, "case"));
        // On SQLite the next observable may get the removed one's id; it is looked up all the same.
        await client.PostAsJsonAsync($"/api/v1/cases/{id}/observables", new { dataType = "domain", data = "b." + domain }).ExpectAsync(HttpStatusCode.Created);
        var view = await client.WaitForIntelAsync($"/api/v1/cases/{id}", "b." + domain);
        Assert.Equal(indicator, SingleIntel(view, "b." + domain).IndicatorId());
    }

    [Fact]
    public async Task The_alert_list_filters_on_live_intel_matches()
    {
        using var client = server.Client();
        var domain = NewDomain();
        await client.AddIndicatorAsync("domain", domain);
        var source = TestAlerts.NewSource();
        var hit = await client.CreateAlertAsync(TestAlerts.Alert(source, observables: ("domain", "x." + domain)));
        var miss = await client.CreateAlertAsync(TestAlerts.Alert(source, observables: ("domain", NewDomain())));
        var empty = await client.CreateAlertAsync(TestAlerts.Alert(source));
        var both = await client.CreateAlertAsync(TestAlerts.Alert(source, observables: [("ip", "192.0.2.1"), ("domain", "y." + domain)]));
        var onlyListed = await client.CreateAlertAsync(TestAlerts.Alert(source, observables: ("ip", "192.0.2.1")));
        // A documentation address: the indicator is on the built-in warninglist, so its matches do not count.
        var listed = await client.AddIndicatorAsync("ip-dst", "192.0.2.1");
        await client.WaitForIntelAsync($"/api/v1/alerts/{hit}", "x." + domain);
        await client.WaitForIntelAsync($"/api/v1/alerts/{both}", "y." + domain);
        await WaitForMatchAsync(client, listed, onlyListed);

        Assert.Equal(new[] { hit, both }.Order(), await client.IdsAsync($"source={source}&intelMatched=true&limit=1"));
        Assert.Equal(new[] { miss, empty, onlyListed }.Order(), await client.IdsAsync($"source={source}&intelMatched=false"));
        var bad = await client.GetAsync("/api/v1/alerts?intelMatched=maybe").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Contains("intelMatched", bad.GetRawText());
    }

    [Fact]
    public async Task Where_an_indicator_matched_is_paged_cases_first_newest_first_and_counted()
    {
        using var client = server.Client();
        var domain = NewDomain();
        var indicator = await client.AddIndicatorAsync("domain", domain);
        var source = TestAlerts.NewSource();
        var alerts = new List<long>();
        for (var i = 0; i < 4; i++)
            alerts.Add(await client.CreateAlertAsync(TestAlerts.Alert(source, observables: [("domain", $"h{i}.{domain}"), ("url", $"http://h{i}.{domain}/")])));
        var caseId = (await client.PostAsync($"/api/v1/alerts/{alerts[0]}/case", null).ExpectAsync(HttpStatusCode.Created)).Id();

        // 4 alerts × 2 observables, and the case's 2.
        var count = await Eventually.UntilAsync<int>(async () =>
        {
            var n = (await client.GetAsync($"/api/v1/indicators/{indicator}").ExpectAsync(HttpStatusCode.OK)).GetProperty("matchCount").GetInt32();
            return n == 10 ? n : null;
        }, "ten matches of the indicator");

        var items = new List<JsonElement>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await client.GetAsync($"/api/v1/indicators/{indicator}/matches?limit=3{(cursor is null ? "" : "&cursor=" + cursor)}").ExpectAsync(HttpStatusCode.OK);
            items.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("next").GetString();
            pages++;
        }
        while (cursor is not null);
        Assert.Equal(4, pages);
        Assert.Equal(count, items.Count);
        Assert.Equal([.. Enumerable.Repeat("case", 2), .. Enumerable.Repeat("alert", 8)], items.Select(i => i.GetProperty("kind").GetString()));
        Assert.Equal(caseId, items[0].Id());
        Assert.Equal(JsonValueKind.Number, items[0].GetProperty("number").ValueKind);
        Assert.Equal(JsonValueKind.Null, items[2].GetProperty("number").ValueKind);
        Assert.Equal(alerts.OrderDescending().SelectMany(a => new[] { a, a }), items.Skip(2).Select(i => i.Id()));
        Assert.All(items, i => Assert.EndsWith(domain, i.GetProperty("observable").GetProperty("data").GetString()!.TrimEnd('/'), StringComparison.Ordinal));
        Assert.All(items, i => Assert.Equal("domain-suffix", i.GetProperty("matchKind").GetString()));
        Assert.Equal(10, items.Select(i => (i.GetProperty("kind").GetString(), i.GetProperty("observable").Id())).Distinct().Count());

        await client.GetAsync($"/api/v1/indicators/{indicator}/matches?cursor=nonsense").ExpectAsync(HttpStatusCode.BadRequest);
        await client.GetAsync($"/api/v1/indicators/{indicator}/matches?limit=0").ExpectAsync(HttpStatusCode.BadRequest);
        await client.GetAsync("/api/v1/indicators/999999999/matches").ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Another_organisation_s_indicators_never_flag_this_one_s_observables()
    {
        using var a = server.Client();
        var other = await Tenants.CreateAsync(server);
        using var b = server.Client(other.AdminKey);
        var theirs = NewDomain();
        var ours = NewDomain();
        var theirIndicator = await b.AddIndicatorAsync("domain", theirs);
        await a.AddIndicatorAsync("domain", ours);
        var alertA = await a.CreateAlertAsync(TestAlerts.Alert(TestAlerts.NewSource(), observables: [("domain", theirs), ("domain", ours)]));
        var alertB = await b.CreateAlertAsync(TestAlerts.Alert(TestAlerts.NewSource(), observables: [("domain", theirs), ("domain", ours)]));

        var viewA = await a.WaitForIntelAsync($"/api/v1/alerts/{alertA}", ours);
        var viewB = await b.WaitForIntelAsync($"/api/v1/alerts/{alertB}", theirs);

        Assert.Empty(IntelOf(viewA, theirs)!.Value.EnumerateArray());
        Assert.Empty(IntelOf(viewB, ours)!.Value.EnumerateArray());
        Assert.Equal([alertB], await MatchedOwnersAsync(b, theirIndicator, "alert"));
        await a.GetAsync($"/api/v1/indicators/{theirIndicator}/matches").ExpectAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain(alertB, await a.IdsAsync("intelMatched=true"));
    }

    /// <summary>Waits until the indicator's "where it matched" lists the alert.</summary>
    static Task WaitForMatchAsync(HttpClient client, long indicator, long alert) =>
        Eventually.UntilAsync<bool>(async () => (await MatchedOwnersAsync(client, indicator, "alert")).Contains(alert) ? true : null,
            $"indicator {indicator} recorded as matching alert {alert}");

    /// <summary>The ids of the alerts (or cases) the indicator's "where it matched" lists, all pages.</summary>
    static async Task<List<long>> MatchedOwnersAsync(HttpClient client, long indicator, string kind)
    {
        var ids = new List<long>();
        string? cursor = null;
        do
        {
            var page = await client.GetAsync($"/api/v1/indicators/{indicator}/matches?limit=500{(cursor is null ? "" : "&cursor=" + cursor)}").ExpectAsync(HttpStatusCode.OK);
            ids.AddRange(page.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("kind").GetString() == kind).Select(i => i.Id()));
            cursor = page.GetProperty("next").GetString();
        }
        while (cursor is not null);
        return ids.Distinct().ToList();
    }
}

public sealed class ObservableFlaggingTestsOnSqlite(SqliteServer server) : ObservableFlaggingTests(server), IClassFixture<SqliteServer>;

public sealed class ObservableFlaggingTestsOnPostgres(PostgresServer server) : ObservableFlaggingTests(server), IClassFixture<PostgresServer>;
