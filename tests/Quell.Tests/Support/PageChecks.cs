using Microsoft.Playwright;

namespace Quell.Tests.Support;

/// <summary>What UI tests of many pages do alike: sign in, check accessibility, forge a post as a user who sees no form.</summary>
public static class PageChecks
{
    /// <summary>A fresh browser profile signed in as <paramref name="username"/> (the platform admin by default).</summary>
    public static async Task<IPage> SignedInPageAsync(this Browser browser, TestServer server, string username = "admin", string password = TestServer.AdminPassword)
    {
        var page = await browser.NewPageAsync(server);
        await page.SignInAsync(username, password);
        return page;
    }

    /// <summary>Asserts that axe finds no serious or critical violation on the page, listing them when it does.</summary>
    public static async Task AssertAccessibleAsync(this IPage page)
    {
        var violations = await page.SeriousAccessibilityViolationsAsync();
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    /// <summary>
    /// Posts a form the page does not show, with the session's antiforgery token (the sign-out form in the header
    /// carries a valid one): what a user without the permission could forge. Returns the status, redirects not followed.
    /// </summary>
    public static async Task<int> ForgedPostAsync(this IPage page, string path, params (string Name, string Value)[] fields) =>
        (await page.ForgedPostResponseAsync(path, fields)).Status;

    /// <summary><see cref="ForgedPostAsync"/> with the whole response, for tests that read the page it answers with.</summary>
    public static async Task<IAPIResponse> ForgedPostResponseAsync(this IPage page, string path, params (string Name, string Value)[] fields)
    {
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        var form = page.APIRequest.CreateFormData();
        form.Set("__RequestVerificationToken", token!);
        foreach (var (name, value) in fields)
            form.Set(name, value);
        return await page.APIRequest.PostAsync(path, new() { Form = form, MaxRedirects = 0 });
    }
}
