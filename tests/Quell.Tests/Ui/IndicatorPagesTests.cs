using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Quell.Tests.Support;

namespace Quell.Tests.Ui;

[Collection(UiCollection.Name)]
public sealed class IndicatorPagesTests(Browser browser, UiServer server)
{
    static string S(long id) => id.ToString(CultureInfo.InvariantCulture);

    static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..10];

    static async Task<double> ScoreAsync(ILocator score) =>
        double.Parse(await score.InnerTextAsync(), CultureInfo.InvariantCulture);

    [Fact]
    public async Task An_analyst_searches_a_defanged_value_opens_the_indicator_and_a_false_positive_halves_its_score()
    {
        using var api = server.Client();
        var host = Unique("login-") + ".evil.example";
        var id = (await api.PostAsJsonAsync("/api/v1/indicators", new { type = "domain", value = host, tags = new[] { "tlp:green" }, source = "analyst paste" })
            .ExpectAsync(HttpStatusCode.Created)).Id();
        await api.PostAsJsonAsync("/api/v1/indicators", new { type = "url", value = $"https://{host}/owa", source = "proxy team" }).ExpectAsync(HttpStatusCode.Created);
        var campaign = Unique("campaign:");
        await api.PostAsJsonAsync("/api/v1/indicators", new { type = "ip-dst", value = "192.168.77.1", tags = new[] { campaign } }).ExpectAsync(HttpStatusCode.Created);
        await api.PostAsJsonAsync("/api/v1/indicators", new { type = "ip-dst", value = "185.220.101.1", tags = new[] { campaign } }).ExpectAsync(HttpStatusCode.Created);
        var page = await browser.SignedInPageAsync(server);

        await page.GotoAsync("/intel/indicators");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Indicators", Level = 1 })).ToBeVisibleAsync();
        await page.GetByLabel("Value (exact, may be defanged)").FillAsync(host.ToUpperInvariant().Replace(".", "[.]", StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var rows = page.Locator("#indicators tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync(host.Replace(".", "[.]", StringComparison.Ordinal));
        Assert.InRange(await ScoreAsync(rows.First.Locator(".score")), 79, 80);

        // 192.168.77.1 is a private address: the built-in sanity checks put it on a warninglist.
        await page.GotoAsync($"/intel/indicators?tag={Uri.EscapeDataString(campaign)}&warninglisted=true");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync("192[.]168[.]77[.]1");
        await Assertions.Expect(rows.First).ToContainTextAsync("warninglisted (1)");
        await page.GotoAsync("/intel/indicators?q=" + Uri.EscapeDataString($"https://{host}"));
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync("hxxps://");
        await page.AssertAccessibleAsync();

        await page.GotoAsync($"/intel/indicators?value={Uri.EscapeDataString(host)}");
        await rows.First.GetByRole(AriaRole.Link).ClickAsync();
        await page.ExpectUrlAsync(u => u.EndsWith($"/intel/indicators/{S(id)}", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync(host.Replace(".", "[.]", StringComparison.Ordinal));
        // NIDS model, no tags that score: 80, decaying from the moment it was stored (79.9 seconds later: δ = 2 is a square root).
        Assert.InRange(await ScoreAsync(page.Locator(".indicator-head .score")), 79, 80);
        await Assertions.Expect(page.Locator(".indicator-head .tlp")).ToHaveTextAsync("TLP:GREEN");
        var explanation = page.Locator("#score-explanation");
        await Assertions.Expect(explanation).ToContainTextAsync("NIDS Simple Decaying Model: lifetime τ = 120 days, decay speed δ = 2");
        await Assertions.Expect(explanation).ToContainTextAsync("the model's default");
        await Assertions.Expect(page.Locator("#indicator-sources")).ToContainTextAsync("analyst paste");

        await page.Locator("#sighting-form select[name=type]").SelectOptionAsync("false-positive");
        await page.Locator("#sighting-form input[name=note]").FillAsync("our own CDN");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record sighting" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Sighting recorded");
        await Assertions.Expect(page.Locator("#sighting-counts tr", new() { HasText = "false-positive" })).ToContainTextAsync("1");
        Assert.InRange(await ScoreAsync(page.Locator(".indicator-head .score")), 39.5, 40);
        await Assertions.Expect(explanation).ToContainTextAsync("1 net false-positive sighting(s), each halves the score");
        await Assertions.Expect(page.Locator("#sighting-counts tr", new() { HasText = "false-positive" })).ToContainTextAsync("1");
        await Assertions.Expect(page.Locator("#recent-sightings")).ToContainTextAsync("our own CDN");
        Assert.InRange((await api.GetAsync($"/api/v1/indicators/{S(id)}").ExpectAsync(HttpStatusCode.OK)).GetProperty("score").GetDouble(), 39.5, 40);
        await page.ScreenshotAsync("intel-indicator");
        await page.AssertAccessibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Adding_and_editing_an_indicator_shows_invalid_values_next_to_their_fields()
    {
        using var api = server.Client();
        var page = await browser.SignedInPageAsync(server);
        await page.GotoAsync("/intel/indicators/new");
        await page.AssertAccessibleAsync();

        await page.Locator("#add-form select[name=type]").SelectOptionAsync("ip-dst");
        await page.Locator("#add-form input[name=value]").FillAsync("999.1.2.3");
        await page.GetByLabel("Confidence (0-100)").FillAsync("high");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add indicator" }).ClickAsync();
        await Assertions.Expect(page.Locator("#add-form label:has(input[name=value]) .field-error")).ToContainTextAsync("is not an IPv4 or IPv6 address");
        await Assertions.Expect(page.Locator("#add-form label:has(input[name=confidence]) .field-error")).ToContainTextAsync("confidence");
        await Assertions.Expect(page.Locator("#add-form input[name=value]")).ToHaveValueAsync("999.1.2.3");

        var value = $"203.0.113.{Random.Shared.Next(1, 250)}";
        var tag = Unique("op:");
        await page.Locator("#add-form input[name=value]").FillAsync(value);
        await page.GetByLabel("Confidence (0-100)").FillAsync("50");
        await page.GetByLabel("Tags (comma-separated, e.g. phishing, tlp:green)").FillAsync(tag);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add indicator" }).ClickAsync();
        await page.ExpectUrlAsync(u => u.Contains("/intel/indicators/", StringComparison.Ordinal) && u.Contains("done=", StringComparison.Ordinal));
        var id = long.Parse(new Uri(page.Url).Segments[^1], CultureInfo.InvariantCulture);
        await Assertions.Expect(page.Locator("#score-explanation")).ToContainTextAsync("confidence = 50");

        await page.Locator("#edit-form input[name=confidence]").FillAsync("500");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.Locator("#edit-form .field-error")).ToContainTextAsync("confidence");
        Assert.Equal(50, (await api.GetAsync($"/api/v1/indicators/{S(id)}").ExpectAsync(HttpStatusCode.OK)).GetProperty("confidence").GetInt32());

        await page.Locator("#edit-form input[name=confidence]").FillAsync("90");
        await page.Locator("#edit-form input[name=tags]").FillAsync($"{tag}, reviewed");
        await page.Locator("#edit-form select[name=tlp]").SelectOptionAsync("RED");
        await page.Locator("#edit-form textarea[name=comment]").FillAsync("Seen in the payroll campaign");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved.");
        var saved = await api.GetAsync($"/api/v1/indicators/{S(id)}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(90, saved.GetProperty("confidence").GetInt32());
        Assert.Equal("RED", saved.Str("tlp"));
        Assert.Equal([tag, "reviewed"], saved.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("Seen in the payroll campaign", saved.Str("comment"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_bulk_import_lists_the_bad_line_and_imports_the_rest_pasted_or_uploaded()
    {
        var marker = Unique("bulk");
        var page = await browser.SignedInPageAsync(server);
        await page.GotoAsync("/intel/import");
        await page.AssertAccessibleAsync();

        await page.GetByLabel("Source name").FillAsync(marker);
        await page.GetByLabel("Or paste").FillAsync($"hxxp://{marker}[.]example/a\n{marker}.example\nnot an indicator at all\n198.51.100.77\n# a comment\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        var result = page.Locator("#import-result");
        await Assertions.Expect(result).ToContainTextAsync("3 added, 0 already reported by this source, 1 rejected");
        await Assertions.Expect(result).ToContainTextAsync("domain 1, ip-dst 1, url 1");
        await Assertions.Expect(page.Locator("#import-errors tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#import-errors tbody tr")).ToContainTextAsync("line 3");
        await page.ScreenshotAsync("intel-import");
        await page.AssertAccessibleAsync();

        await page.Locator("#import-form select[name=format]").SelectOptionAsync("csv");
        await page.GetByLabel("Source name").FillAsync(marker + "-csv");
        await page.Locator("#import-form input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = "iocs.csv",
            MimeType = "text/csv",
            Buffer = System.Text.Encoding.UTF8.GetBytes($"type,value,tags\ndomain,{marker}-csv.example,apt:x\nmd5,not-a-hash,\nsha256,{new string('a', 64)},apt:x\n"),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        await Assertions.Expect(result).ToContainTextAsync("2 added, 0 already reported by this source, 1 rejected");
        await Assertions.Expect(page.Locator("#import-errors tbody tr")).ToContainTextAsync("line 3");

        using var api = server.Client();
        var found = await api.GetAsync($"/api/v1/indicators?source={marker}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, found.GetProperty("items").GetArrayLength());

        // A CSV without the header the format needs is refused as a whole, next to the text, and writes nothing.
        await Assertions.Expect(page.Locator("#import-form select[name=format]")).ToHaveValueAsync("csv");
        await page.GetByLabel("Or paste").FillAsync("just,some,columns\n1,2,3\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        await Assertions.Expect(page.Locator("#import-form .field-error")).ToContainTextAsync("must name the columns type and value");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Hostile_values_render_as_inert_defanged_text()
    {
        using var api = server.Client();
        var marker = Unique("hostile");
        var script = $"<script>window.pwned=1</script> javascript:alert(1) http://{marker}.example/x";
        var id = (await api.PostAsJsonAsync("/api/v1/indicators", new
        {
            type = "text",
            value = script + "\n" + new string('A', 60_000),
            tags = new[] { "<img src=x onerror=\"window.pwned=2\">" },
            comment = "<b onclick=\"window.pwned=3\">bold?</b> javascript:alert(2)",
            source = "<script>window.pwned=4</script>",
        }).ExpectAsync(HttpStatusCode.Created)).Id();
        // A megabyte value is refused by the API, naming the field, so none reaches a page.
        var huge = await api.PostAsJsonAsync("/api/v1/indicators", new { type = "text", value = new string('B', 1 << 20) }).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["value"], Problem.Fields(huge));

        var page = await browser.SignedInPageAsync(server);
        await page.GotoAsync($"/intel/indicators?tag={Uri.EscapeDataString("<img src=x onerror=\"window.pwned=2\">")}");
        var row = page.Locator($"#indicators tr[data-id='{S(id)}']");
        await Assertions.Expect(row).ToContainTextAsync("<script>window.pwned=1</script>");
        await Assertions.Expect(row).ToContainTextAsync($"hxxp://{marker}[.]example/x");
        Assert.True((await row.Locator("td.value").InnerTextAsync()).Length < 400, "the list sends the first characters of a long value only");

        await page.GotoAsync($"/intel/indicators/{S(id)}");
        await Assertions.Expect(page.Locator("pre.value-block")).ToContainTextAsync("<script>window.pwned=1</script> javascript:alert(1)");
        await Assertions.Expect(page.Locator("#indicator-fields")).ToContainTextAsync("<b onclick=\"window.pwned=3\">bold?</b>");
        await Assertions.Expect(page.Locator("#indicator-sources")).ToContainTextAsync("<script>window.pwned=4</script>");
        await Assertions.Expect(page.Locator(".indicator-head")).ToContainTextAsync("<img src=x onerror=\"window.pwned=2\">");
        Assert.True(await page.EvaluateAsync<bool>("() => typeof window.pwned === 'undefined'"));
        await Assertions.Expect(page.Locator("a[href^='javascript:' i]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator($"a[href*='{marker}']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("main img, main script, main b")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_read_only_user_sees_no_forms_and_forged_posts_are_refused()
    {
        using var api = server.Client();
        var id = (await api.PostAsJsonAsync("/api/v1/indicators", new { type = "domain", value = Unique("ro-") + ".example" }).ExpectAsync(HttpStatusCode.Created)).Id();
        var username = Unique("reader");
        await server.CreateUserKeyAsync("read-only", username);
        var page = await browser.SignedInPageAsync(server, username, "user-password-123");

        await page.GotoAsync($"/intel/indicators/{S(id)}");
        await Assertions.Expect(page.Locator(".indicator-head .score")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("main form")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("main button, main textarea, main select, main input")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".subnav")).Not.ToContainTextAsync("Add indicator");
        await page.AssertAccessibleAsync();
        await page.GotoAsync("/intel/indicators/new");
        await Assertions.Expect(page.Locator("main form")).ToHaveCountAsync(0);
        await page.GotoAsync("/intel/import");
        await Assertions.Expect(page.Locator("main form")).ToHaveCountAsync(0);

        Assert.Equal(403, await page.ForgedPostAsync($"/intel/indicators/{S(id)}", ("_handler", "sighting"), ("type", "false-positive")));
        Assert.Equal(403, await page.ForgedPostAsync($"/intel/indicators/{S(id)}", ("_handler", "edit"), ("tags", "forged"), ("tlp", "RED")));
        Assert.Equal(403, await page.ForgedPostAsync("/intel/indicators/new", ("_handler", "add-indicator"), ("type", "domain"), ("value", "forged.example")));
        Assert.Equal(403, await page.ForgedPostAsync("/intel/import", ("_handler", "import"), ("format", "freetext"), ("text", "forged-import.example")));
        var after = await api.GetAsync($"/api/v1/indicators/{S(id)}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, after.GetProperty("sightings").GetProperty("counts").GetProperty("false-positive").GetInt32());
        Assert.Equal("AMBER", after.Str("tlp"));
        Assert.Empty(after.GetProperty("tags").EnumerateArray());
        Assert.Empty((await api.GetAsync("/api/v1/indicators?value=forged.example").ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        Assert.Empty((await api.GetAsync("/api/v1/indicators?value=forged-import.example").ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_unknown_or_foreign_indicator_is_not_found()
    {
        using var otherOrg = server.Client(await server.CreateOtherOrganisationKeyAsync());
        var foreign = (await otherOrg.PostAsJsonAsync("/api/v1/indicators", new { type = "domain", value = Unique("secret-") + ".example" }).ExpectAsync(HttpStatusCode.Created)).Id();
        var page = await browser.SignedInPageAsync(server);
        Assert.Equal(404, (await page.GotoAsync("/intel/indicators/987654321"))!.Status);
        Assert.Equal(404, (await page.GotoAsync($"/intel/indicators/{S(foreign)}"))!.Status);
        await Assertions.Expect(page.GetByText("secret-")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }
}
