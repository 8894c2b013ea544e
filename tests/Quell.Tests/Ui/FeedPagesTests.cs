using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Quell.Tests.Support;

namespace Quell.Tests.Ui;

[Collection(UiCollection.Name)]
public sealed class FeedPagesTests(Browser browser, UiServer server)
{
    static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Reloads the feed page until its newest pull has ended (the pull is a background job); generous, never a fixed sleep.</summary>
    static async Task<ILocator> NewestEndedPullAsync(IPage page)
    {
        var newest = page.Locator("#feed-pulls tbody tr").First;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (await newest.CountAsync() > 0 && (await newest.Locator("td").Nth(4).InnerTextAsync()).Trim() is "ok" or "failed" or "not-modified")
                return newest;
            Assert.True(DateTime.UtcNow < deadline, "the pull did not end within two minutes");
            await Task.Delay(250);
            await page.GetByRole(AriaRole.Link, new() { Name = "Refresh" }).ClickAsync();
            await page.WaitForFunctionAsync("() => document.readyState === 'complete'");
        }
    }

    [Fact]
    public async Task An_admin_reads_the_terms_enables_a_catalogue_feed_from_a_local_mirror_and_pulls_it()
    {
        var mirror = TestData.Shared("misp", "feed");
        var page = await browser.SignedInPageAsync(server);
        await page.GotoAsync("/intel/feeds/catalogue");
        var circl = page.Locator("li.catalogue-entry", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "CIRCL OSINT Feed" }) });
        await Assertions.Expect(circl.Locator(".terms")).ToContainTextAsync("CIRCL publishes this OSINT feed for MISP users");
        await Assertions.Expect(circl.GetByRole(AriaRole.Link, new() { Name = "The provider's terms for CIRCL OSINT Feed" })).ToHaveAttributeAsync("href", "https://www.circl.lu/doc/misp/feed-osint/");
        await page.ScreenshotAsync("intel-catalogue");
        await page.AssertAccessibleAsync();

        await circl.Locator("summary").ClickAsync();
        await circl.GetByLabel("Mirror URL or local path").FillAsync("ftp://mirror.example/feed");
        await circl.GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(circl.Locator(".field-error")).ToContainTextAsync("url must be an http:// or https:// URL, a file:// URL or a local path");

        await circl.GetByLabel("Mirror URL or local path").FillAsync(mirror);
        await circl.GetByRole(AriaRole.Button).ClickAsync();
        await page.ExpectUrlAsync(u => u.Contains("/intel/feeds/", StringComparison.Ordinal) && u.Contains("done=created", StringComparison.Ordinal));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("CIRCL OSINT Feed");
        await Assertions.Expect(page.Locator("#feed-settings")).ToContainTextAsync("@daily");
        await Assertions.Expect(page.Locator("#feed-pulls tbody tr")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Button, new() { Name = "Pull now" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Pull asked for");
        var pull = await NewestEndedPullAsync(page);
        await Assertions.Expect(pull.Locator("td").Nth(4)).ToHaveTextAsync("ok");
        await Assertions.Expect(pull.Locator("td").Nth(5)).ToHaveTextAsync("436");
        await Assertions.Expect(pull.Locator("td").Nth(9)).ToHaveTextAsync("2");
        await Assertions.Expect(page.Locator("#feed-health")).ToContainTextAsync("436 added");
        await Assertions.Expect(page.Locator("#item-errors tbody tr")).ToHaveCountAsync(2);
        await page.ScreenshotAsync("intel-feed");
        await page.AssertAccessibleAsync();

        await page.GotoAsync("/intel/feeds");
        var row = page.Locator("#feeds tbody tr", new() { HasText = "CIRCL OSINT Feed" });
        await Assertions.Expect(row).ToContainTextAsync("ok");
        await Assertions.Expect(row).ToContainTextAsync("+436 ~0 −0, 2 rejected");
        await page.ScreenshotAsync("intel-feeds");
        await page.AssertAccessibleAsync();

        await page.GotoAsync("/intel/feeds/catalogue");
        await Assertions.Expect(circl.Locator(".added")).ToContainTextAsync("This organisation has it");
        await Assertions.Expect(circl.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);

        // The feed's indicators carry it as their source, with the MISP event they came in.
        await page.GotoAsync("/intel/indicators?limit=20&source=" + Uri.EscapeDataString("CIRCL OSINT Feed"));
        await Assertions.Expect(page.Locator("#indicators tbody tr")).ToHaveCountAsync(20);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Next page" })).ToBeVisibleAsync();
        await page.ScreenshotAsync("intel-indicators");
        await page.AssertAccessibleAsync();
        var first = page.Locator("#indicators tbody tr").First;
        await first.GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(page.Locator("#indicator-sources")).ToContainTextAsync("CIRCL OSINT Feed");
        await Assertions.Expect(page.Locator("#indicator-sources .event-info")).Not.ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_feed_form_names_each_bad_field_then_a_feed_is_added_disabled_failed_and_deleted()
    {
        var name = Unique("feed-<b>");
        var page = await browser.SignedInPageAsync(server);
        await page.GotoAsync("/intel/feeds");
        var form = page.Locator("#add-feed-form");
        await form.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await form.GetByLabel("Format").SelectOptionAsync("csv");
        await form.GetByLabel("URL (http(s)://, file:// or a local path)").FillAsync("javascript:alert(1)");
        await form.GetByLabel("Schedule (cron, UTC; empty: on demand)").FillAsync("every day");
        await form.GetByLabel("Reader options, one name=value per line").FillAsync("value=2\nno equals sign");
        await form.GetByRole(AriaRole.Button, new() { Name = "Add feed" }).ClickAsync();
        await Assertions.Expect(form.Locator("label:has(input[name=url]) .field-error")).ToContainTextAsync("url must be an http:// or https:// URL");
        await Assertions.Expect(form.Locator("label:has(input[name=schedule]) .field-error")).ToContainTextAsync("is not a cron expression");
        await Assertions.Expect(form.Locator("label:has(textarea[name=options]) .field-error")).ToContainTextAsync("options line 2 is not name=value");
        await Assertions.Expect(form.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync(name);

        var missing = Path.Combine(Path.GetTempPath(), Unique("missing-") + ".csv");
        await form.GetByLabel("URL (http(s)://, file:// or a local path)").FillAsync(missing);
        await form.GetByLabel("Schedule (cron, UTC; empty: on demand)").FillAsync("");
        await form.GetByLabel("Reader options, one name=value per line").FillAsync("value=2");
        await form.GetByRole(AriaRole.Button, new() { Name = "Add feed" }).ClickAsync();
        await page.ExpectUrlAsync(u => u.Contains("done=created", StringComparison.Ordinal));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(name);
        await Assertions.Expect(page.Locator("#feed-settings")).ToContainTextAsync("value=2");
        await Assertions.Expect(page.Locator("#feed-settings")).ToContainTextAsync("on demand");
        var id = long.Parse(new Uri(page.Url).Segments[^1], CultureInfo.InvariantCulture);

        await page.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Feed disabled");
        using var api = server.Client();
        Assert.False((await api.GetAsync($"/api/v1/feeds/{id}").ExpectAsync(HttpStatusCode.OK)).GetProperty("enabled").GetBoolean());

        await page.GetByRole(AriaRole.Button, new() { Name = "Pull now" }).ClickAsync();
        var pull = await NewestEndedPullAsync(page);
        await Assertions.Expect(pull.Locator("td").Nth(4)).ToHaveTextAsync("failed");
        await Assertions.Expect(page.Locator("#last-error")).ToContainTextAsync("missing-");
        await page.GotoAsync("/intel/feeds");
        await Assertions.Expect(page.Locator($"#feeds tr[data-id='{id}']")).ToContainTextAsync("failed");

        await page.GotoAsync($"/intel/feeds/{id}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete feed" }).ClickAsync();
        await Assertions.Expect(page.Locator("#delete-form .field-error")).ToContainTextAsync("Tick the box to confirm");
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/v1/feeds/{id}")).StatusCode);
        await page.Locator("#delete-form input[name=confirm]").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete feed" }).ClickAsync();
        await page.ExpectUrlAsync(u => u.Contains("done=deleted", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator($"#feeds tr[data-id='{id}']")).ToHaveCountAsync(0);
        await api.GetAsync($"/api/v1/feeds/{id}").ExpectProblemAsync(HttpStatusCode.NotFound);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_read_only_user_sees_feeds_and_the_catalogue_without_controls_and_forged_posts_are_refused()
    {
        using var api = server.Client();
        var feedName = Unique("ro-feed-");
        var feedId = (await api.PostAsJsonAsync("/api/v1/feeds", new { name = feedName, format = "freetext", url = "/srv/feeds/x.txt" }).ExpectAsync(HttpStatusCode.Created)).Id();
        var username = Unique("reader");
        await server.CreateUserKeyAsync("read-only", username);
        var page = await browser.SignedInPageAsync(server, username, "user-password-123");

        foreach (var path in new[] { "/intel/feeds", $"/intel/feeds/{feedId}", "/intel/feeds/catalogue" })
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.Locator("h1")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("main form")).ToHaveCountAsync(0);
            await Assertions.Expect(page.Locator("main button")).ToHaveCountAsync(0);
        }
        await page.AssertAccessibleAsync();
        var entry = Quell.Intel.Feeds.Catalogue.FeedCatalogue.Default.Entries.First(e => e.Format == "urlhaus");
        Assert.Equal(403, await page.ForgedPostAsync("/intel/feeds", ("_handler", "add-feed"), ("name", "forged"), ("format", "csv"), ("url", "/srv/x.csv")));
        Assert.Equal(403, await page.ForgedPostAsync("/intel/feeds", ("_handler", $"feed-{feedId}"), ("action", "disable")));
        Assert.Equal(403, await page.ForgedPostAsync($"/intel/feeds/{feedId}", ("_handler", "delete-feed"), ("confirm", "yes")));
        Assert.Equal(403, await page.ForgedPostAsync($"/intel/feeds/{feedId}", ("_handler", "feed-action"), ("action", "pull")));
        Assert.Equal(403, await page.ForgedPostAsync("/intel/feeds/catalogue", ("_handler", $"enable-{entry.Id}")));
        var feed = await api.GetAsync($"/api/v1/feeds/{feedId}").ExpectAsync(HttpStatusCode.OK);
        Assert.True(feed.GetProperty("enabled").GetBoolean());
        var feeds = await api.GetAsync("/api/v1/feeds").ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(feeds.GetProperty("items").EnumerateArray(), f => f.Str("name") is "forged" || f.Str("url") == entry.Url);
        await page.Context.CloseAsync();
    }
}
