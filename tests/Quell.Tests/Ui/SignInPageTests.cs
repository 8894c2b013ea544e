using Microsoft.Playwright;
using Quell.Tests.Support;

namespace Quell.Tests.Ui;

[Collection(UiCollection.Name)]
public sealed class SignInPageTests(Browser browser, UiServer server)
{
    [Fact]
    public async Task Admin_signs_in_and_lands_on_the_alert_queue()
    {
        var page = await browser.NewPageAsync(server);
        await page.SignInAsync("admin", TestServer.AdminPassword);
        Assert.EndsWith("/alerts", page.Url);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Alerts" })).ToBeVisibleAsync();
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Wrong_password_says_so_next_to_the_form_and_stays_signed_out()
    {
        var page = await browser.NewPageAsync(server);
        await page.GotoAsync("/login");
        await page.GetByLabel("Username").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Wrong username or password");
        await page.ScreenshotAsync("login");
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
        await page.GotoAsync("/alerts");
        Assert.Contains("/login", page.Url);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Pages_are_sent_with_a_content_security_policy_that_forbids_inline_script()
    {
        var page = await browser.NewPageAsync(server);
        var response = await page.GotoAsync("/login");
        var csp = await response!.HeaderValueAsync("content-security-policy");
        Assert.NotNull(csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        await page.Context.CloseAsync();
    }
}
