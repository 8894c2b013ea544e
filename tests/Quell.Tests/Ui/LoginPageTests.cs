using Microsoft.Playwright;
using Quell.Tests.Support;

namespace Quell.Tests.Ui;

[Collection(UiCollection.Name)]
public sealed class LoginPageTests(Browser browser, UiServer server)
{
    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused_with_the_lockout_time()
    {
        var username = $"lock{Guid.NewGuid():N}"[..20];
        await server.CreateUserKeyAsync("analyst", username);
        var page = await browser.NewPageAsync(server);
        await page.GotoAsync("/login");
        for (var i = 0; i < 5; i++)
        {
            await page.GetByLabel("Username").FillAsync(username);
            await page.GetByLabel("Password").FillAsync("wrong-password-" + i);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();
        }
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password").FillAsync("user-password-123");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("locked until");
        await page.GotoAsync("/alerts");
        Assert.Contains("/login", page.Url);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Signing_in_from_a_protected_page_returns_to_it()
    {
        var page = await browser.NewPageAsync(server);
        await page.GotoAsync("/profile");
        Assert.Contains("/login?ReturnUrl=", page.Url);
        await page.GetByLabel("Username").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync(TestServer.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.ExpectUrlAsync(url => url.EndsWith("/profile", StringComparison.Ordinal));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Profile", Exact = true })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }
}
