using System.Net;
using System.Text;
using Microsoft.Playwright;
using Quell.Tests.Support;

namespace Quell.Tests.Ui;

[Collection(UiCollection.Name)]
public sealed class EventPagesTests(Browser browser, UiServer server)
{
    static async Task PostEventsAsync(HttpClient api, string source, params string[] lines)
    {
        using var body = new StringContent(string.Join('\n', lines), Encoding.UTF8, "application/x-ndjson");
        await (await api.PostAsync($"/api/v1/events?source={source}", body)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_analyst_searches_events_opens_one_and_narrows_the_search_by_clicking_a_field_value()
    {
        using var api = server.Client();
        var host = "ws-" + Guid.NewGuid().ToString("N")[..8];
        var source = "sysmon-" + Guid.NewGuid().ToString("N")[..6];
        await PostEventsAsync(api, source,
            $$$"""{"@timestamp":"2026-11-20T10:00:00Z","host":{"name":"{{{host}}}"},"process":{"command_line":"powershell -enc SQBFAFgA"},"user":{"name":"alice"},"url":{"full":"http://evil.example/a"}}""",
            $$$"""{"@timestamp":"2026-11-20T10:05:00Z","host":{"name":"{{{host}}}"},"process":{"command_line":"whoami /all"},"user":{"name":"bob"}}""",
            $$$"""{"@timestamp":"2026-11-20T10:06:00Z","host":{"name":"other-{{{host}}}"},"process":{"command_line":"whoami /all"},"user":{"name":"alice"}}""");
        var page = await browser.SignedInPageAsync(server);

        await page.GotoAsync("/events");
        await page.GetByLabel("Search", new() { Exact = true }).FillAsync($"host.name:{host}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var rows = page.Locator("#events > tbody > tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#event-status")).ToHaveTextAsync("2 events, newest first.");
        // Newest first; the summary says what happened, URLs defanged.
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("whoami /all");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("hxxp://evil[.]example/a");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("2026-11-20 10:00:00");
        await page.AssertAccessibleAsync();

        await rows.Nth(1).Locator("summary").ClickAsync();
        var user = rows.Nth(1).Locator("table.fields tr", new() { HasText = "user.name" });
        await Assertions.Expect(user).ToContainTextAsync("alice");
        await page.ScreenshotAsync("events-search");
        await user.GetByRole(AriaRole.Link).ClickAsync();
        await page.ExpectUrlAsync(u => u.Contains("user.name", StringComparison.Ordinal));
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByLabel("Search", new() { Exact = true })).ToHaveValueAsync($"host.name:{host} user.name:alice");

        await page.GotoAsync("/events?q=" + Uri.EscapeDataString("host.name:\"unclosed"));
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("is not closed");

        await page.GotoAsync("/events/assets?kind=host");
        var link = page.GetByRole(AriaRole.Link, new() { Name = host, Exact = true });
        var asset = page.Locator("#assets tbody tr").Filter(new() { Has = link });
        await Assertions.Expect(asset).ToContainTextAsync("host");
        await Assertions.Expect(asset).ToContainTextAsync("1 h 0 min (default)");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("events-assets");
        await link.ClickAsync();
        await page.ExpectUrlAsync(u => u.Contains("/events?q=", StringComparison.Ordinal));
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        await page.Context.CloseAsync();
    }
}
