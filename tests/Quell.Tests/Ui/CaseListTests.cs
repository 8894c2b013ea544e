using Microsoft.Playwright;
using Quell.Tests.Support;

namespace Quell.Tests.Ui;

[Collection(UiCollection.Name)]
public sealed class CaseListTests(Browser browser, UiServer server)
{
    [Fact]
    public async Task Filters_by_tag_severity_status_and_title_narrow_the_list()
    {
        var tag = "list" + Guid.NewGuid().ToString("N")[..8];
        using var api = server.Client();
        var high = await api.CreateCaseAsync($"Ransomware on {tag}", $"\"severity\":4,\"tags\":[\"{tag}\"]");
        var low = await api.CreateCaseAsync($"Spam wave {tag}", $"\"severity\":1,\"tags\":[\"{tag}\"]");
        await api.CreateCaseAsync($"Unrelated {Guid.NewGuid():N}");

        var page = await browser.NewPageAsync(server);
        await page.SignInAsync("admin", TestServer.AdminPassword);
        await page.GotoAsync("/cases");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Cases", Exact = true })).ToBeVisibleAsync();

        await page.GetByLabel("Tag").FillAsync(tag);
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var rows = page.Locator("#case-list tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);

        await page.GetByLabel("Severity").SelectOptionAsync("4");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-id", high.Id().ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.GetByLabel("Severity")).ToHaveValueAsync("4");

        await page.GotoAsync($"/cases?tag={tag}&q=spam");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync($"Spam wave {tag}");

        await page.GotoAsync($"/cases?tag={tag}&status=resolved");
        await Assertions.Expect(rows).ToHaveCountAsync(0);

        await page.GotoAsync($"/cases?tag={tag}&sort=createdAt");
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-id", high.Id().ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GotoAsync($"/cases?tag={tag}");
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-id", low.Id().ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Link, new() { Name = $"Spam wave {tag}" }).ClickAsync();
        await page.ExpectUrlAsync(u => u.EndsWith($"/cases/{low.Id()}", StringComparison.Ordinal));

        await page.GotoAsync("/cases");
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
        await page.ScreenshotAsync("case-list");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_unknown_status_is_named_in_an_error_and_no_list_is_shown()
    {
        var page = await browser.NewPageAsync(server);
        await page.SignInAsync("admin", TestServer.AdminPassword);
        await page.GotoAsync("/cases?status=bogus");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("status 'bogus' is unknown");
        await Assertions.Expect(page.Locator("#case-list tbody tr")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }
}
