using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Quell.Tests.Support;

namespace Quell.Tests.Ui;

[Collection(UiCollection.Name)]
public sealed class ProfilePageTests(Browser browser, UiServer server)
{
    static string NewName(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task Changing_the_password_lets_the_user_sign_in_with_the_new_one_only()
    {
        var username = NewName("pw");
        await server.CreateUserKeyAsync("analyst", username);
        var page = await browser.NewPageAsync(server);
        await page.SignInAsync(username, "user-password-123");
        await page.GotoAsync("/profile");

        // Too short: the strength rule of the API, next to the field, nothing changed.
        await page.GetByLabel("Current password").FillAsync("user-password-123");
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("short");
        await page.GetByLabel("Confirm new password").FillAsync("short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Assertions.Expect(page.Locator(".field-error")).ToContainTextAsync("at least 10 characters");

        await page.GetByLabel("Current password").FillAsync("not-my-password");
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("brand-new-password-1");
        await page.GetByLabel("Confirm new password").FillAsync("brand-new-password-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Assertions.Expect(page.Locator(".field-error")).ToContainTextAsync("currentPassword is wrong");

        await page.GetByLabel("Current password").FillAsync("user-password-123");
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("brand-new-password-1");
        await page.GetByLabel("Confirm new password").FillAsync("brand-new-password-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your password was changed");
        await page.Context.CloseAsync();

        var again = await browser.NewPageAsync(server);
        await again.GotoAsync("/login");
        await again.GetByLabel("Username").FillAsync(username);
        await again.GetByLabel("Password").FillAsync("user-password-123");
        await again.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(again.GetByRole(AriaRole.Alert)).ToContainTextAsync("Wrong username or password");
        await again.SignInAsync(username, "brand-new-password-1");
        await Assertions.Expect(again.GetByRole(AriaRole.Link, new() { Name = username })).ToBeVisibleAsync();
        await again.Context.CloseAsync();
    }

    [Fact]
    public async Task A_new_API_key_is_shown_once_works_with_the_API_and_stops_working_when_revoked()
    {
        var username = NewName("key");
        await server.CreateUserKeyAsync("read-only", username);
        var page = await browser.NewPageAsync(server);
        await page.SignInAsync(username, "user-password-123");
        await page.GotoAsync("/profile");
        var keyName = NewName("cli");
        await page.GetByLabel("New key name").FillAsync(keyName);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create API key" }).ClickAsync();
        var shown = page.Locator("#new-api-key");
        await Assertions.Expect(shown).ToBeVisibleAsync();
        var key = (await shown.TextContentAsync())!.Trim();
        Assert.StartsWith("qk_", key);
        await Assertions.Expect(page.Locator("#api-keys")).ToContainTextAsync(keyName);
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
        await page.ScreenshotAsync("profile");

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#api-keys")).ToContainTextAsync(keyName);
        Assert.Equal(0, await page.Locator("#new-api-key").CountAsync());
        Assert.DoesNotContain(key, await page.ContentAsync());

        using var api = server.Client(key);
        var me = await api.GetAsync("/api/v1/me").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(username, me.GetProperty("username").GetString());

        await page.GetByRole(AriaRole.Button, new() { Name = $"Revoke API key {keyName}" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("revoked");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Revoke API key {keyName}" })).ToHaveCountAsync(0);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/me")).StatusCode);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_member_of_two_organisations_switches_between_them_and_the_header_shows_the_current_one()
    {
        var username = NewName("two");
        await server.CreateUserKeyAsync("analyst", username);
        using var admin = server.Client();
        var orgName = NewName("org");
        var org = await admin.PostAsJsonAsync("/api/v1/organisations", new { name = orgName }).ExpectAsync(HttpStatusCode.Created);
        await admin.PostAsJsonAsync($"/api/v1/organisations/{org.Id()}/members", new { username, role = "read-only" }).ExpectAsync(HttpStatusCode.OK);

        var page = await browser.NewPageAsync(server);
        await page.SignInAsync(username, "user-password-123");
        await page.GotoAsync("/profile");
        await Assertions.Expect(page.Locator("header .role")).ToHaveTextAsync("analyst");
        await page.GetByLabel("Work in organisation").SelectOptionAsync(new SelectOptionValue { Label = orgName });
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch organisation" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("You now work in this organisation");
        await Assertions.Expect(page.Locator("header .org-name")).ToHaveTextAsync(orgName);
        await Assertions.Expect(page.Locator("header .role")).ToHaveTextAsync("read-only");
        await page.GotoAsync("/alerts");
        await Assertions.Expect(page.Locator("header .org-name")).ToHaveTextAsync(orgName);
        await page.Context.CloseAsync();
    }
}
