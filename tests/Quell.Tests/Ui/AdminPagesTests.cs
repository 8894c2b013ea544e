using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Quell.Tests.Support;

namespace Quell.Tests.Ui;

[Collection(UiCollection.Name)]
public sealed class AdminPagesTests(Browser browser, UiServer server)
{
    static string NewName(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..20];

    async Task<IPage> AdminPageAsync()
    {
        var page = await browser.NewPageAsync(server);
        await page.SignInAsync("admin", TestServer.AdminPassword);
        return page;
    }

    async Task<bool> UserExistsAsync(string username)
    {
        using var admin = server.Client();
        var users = await admin.GetAsync("/api/v1/users").ExpectAsync(HttpStatusCode.OK);
        return users.EnumerateArray().Any(u => u.GetProperty("username").GetString() == username);
    }

    [Fact]
    public async Task Admin_creates_an_analyst_who_signs_in_sees_alerts_but_not_admin()
    {
        var page = await AdminPageAsync();
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Admin", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Users", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Users", Exact = true })).ToBeVisibleAsync();
        var username = NewName("ana");
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Display name").FillAsync("Ana Lyst");
        await page.GetByLabel("Role").SelectOptionAsync("analyst");
        await page.GetByLabel("Initial password").FillAsync("analyst-password-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        var row = page.Locator("#users tr", new() { HasText = username });
        await Assertions.Expect(row).ToContainTextAsync("analyst");
        await Assertions.Expect(row).ToContainTextAsync("Ana Lyst");
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
        await page.ScreenshotAsync("admin-users");
        await page.Context.CloseAsync();

        var analyst = await browser.NewPageAsync(server);
        await analyst.SignInAsync(username, "analyst-password-1");
        var nav = analyst.GetByRole(AriaRole.Navigation, new() { Name = "Main" });
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Alerts" })).ToBeVisibleAsync();
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Admin" })).ToHaveCountAsync(0);
        Assert.Equal(403, (await analyst.GotoAsync("/admin/users"))!.Status);
        await analyst.Context.CloseAsync();
    }

    [Fact]
    public async Task A_duplicate_username_is_refused_next_to_the_field_and_what_was_typed_stays()
    {
        var username = NewName("dup");
        await server.CreateUserKeyAsync("analyst", username);
        var page = await AdminPageAsync();
        await page.GotoAsync("/admin/users");
        await page.GetByLabel("Username").FillAsync(username.ToUpperInvariant());
        await page.GetByLabel("Display name").FillAsync("Second one");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        var error = page.Locator("#new-username ~ .field-error");
        await Assertions.Expect(error).ToContainTextAsync("already exists");
        await Assertions.Expect(page.GetByLabel("Display name")).ToHaveValueAsync("Second one");
        Assert.Equal(1, await page.Locator("#users tr", new() { HasText = username }).CountAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_generated_password_is_shown_once_and_an_admin_can_disable_the_account()
    {
        var page = await AdminPageAsync();
        await page.GotoAsync("/admin/users");
        var username = NewName("gen");
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Role").SelectOptionAsync("read-only");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        var shown = page.Locator("#generated-password");
        await Assertions.Expect(shown).ToContainTextAsync(username + ": ");
        var password = (await shown.TextContentAsync())!.Trim()[(username.Length + 2)..];
        await page.ReloadAsync();
        Assert.Equal(0, await page.Locator("#generated-password").CountAsync());

        var user = await browser.NewPageAsync(server);
        await user.SignInAsync(username, password);
        await user.Context.CloseAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = username }).ClickAsync();
        await page.GetByLabel("Role in this organisation").SelectOptionAsync("analyst");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change role" }).ClickAsync();
        await Assertions.Expect(page.Locator("dl.fields")).ToContainTextAsync("analyst");
        await page.GetByRole(AriaRole.Button, new() { Name = "Disable account" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Enable account" })).ToBeVisibleAsync();

        var refused = await browser.NewPageAsync(server);
        await refused.GotoAsync("/login");
        await refused.GetByLabel("Username").FillAsync(username);
        await refused.GetByLabel("Password").FillAsync(password);
        await refused.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(refused.GetByRole(AriaRole.Alert)).ToContainTextAsync("disabled");
        await refused.Context.CloseAsync();

        // The admin cannot remove itself: refused next to the button, as the API refuses it.
        await page.GotoAsync("/admin/users");
        await page.Locator("#users").GetByRole(AriaRole.Link, new() { Name = "admin", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove admin from this organisation" }).ClickAsync();
        await Assertions.Expect(page.Locator(".field-error")).ToContainTextAsync("cannot remove yourself");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_admin_creates_a_service_key_for_a_user_sees_it_listed_and_revokes_it()
    {
        using var api = server.Client();
        var username = NewName("svc");
        var id = await Tenants.CreateUserAsync(api, username, "analyst");
        var page = await AdminPageAsync();
        await page.GotoAsync($"/admin/users/{id}");
        await page.GetByLabel("Key name").FillAsync("siem-forwarder");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create API key" }).ClickAsync();
        await Assertions.Expect(page.Locator("#shown-once")).ToContainTextAsync("qk_");
        var key = (await page.Locator("#shown-once").TextContentAsync())!.Trim().Split(' ')[^1];
        using var keyClient = server.Client(key);
        await keyClient.GetAsync("/api/v1/me").ExpectAsync(HttpStatusCode.OK);
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "siem-forwarder" })).ToContainTextAsync("active");
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke API key siem-forwarder" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "siem-forwarder" })).ToContainTextAsync("revoked");
        await keyClient.GetAsync("/api/v1/me").ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_read_only_user_gets_403_on_admin_pages_and_a_forged_post_creates_no_user()
    {
        var username = NewName("ro");
        await server.CreateUserKeyAsync("read-only", username);
        var page = await browser.NewPageAsync(server);
        await page.SignInAsync(username, "user-password-123");
        var nav = page.GetByRole(AriaRole.Navigation, new() { Name = "Main" });
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Alerts" })).ToBeVisibleAsync();
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Admin" })).ToHaveCountAsync(0);
        foreach (var path in new[] { "/admin", "/admin/users", "/admin/users/1", "/admin/organisations" })
            Assert.Equal(403, (await page.GotoAsync(path))!.Status);

        await page.GotoAsync("/profile");
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        Assert.False(string.IsNullOrEmpty(token));
        var victim = NewName("forged");
        var response = await page.Context.APIRequest.PostAsync("/admin/users", new()
        {
            Form = MakeForm(page, token!, victim),
            MaxRedirects = 0,
        });
        Assert.Equal(403, response.Status);
        Assert.False(await UserExistsAsync(victim));
        await page.Context.CloseAsync();
    }

    static IFormData MakeForm(IPage page, string token, string username)
    {
        var form = page.Context.APIRequest.CreateFormData();
        form.Set("__RequestVerificationToken", token);
        form.Set("_handler", "create-user");
        form.Set("Form.Username", username);
        form.Set("Form.Role", "admin");
        form.Set("Form.Password", "forged-password-1");
        return form;
    }

    [Fact]
    public async Task The_platform_admin_creates_an_organisation_and_edits_its_description()
    {
        var page = await AdminPageAsync();
        await page.GotoAsync("/admin/organisations");
        var name = NewName("org");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByLabel("Description", new() { Exact = true }).FillAsync("first words");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create organisation" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel($"Description of {name}", new() { Exact = true })).ToHaveValueAsync("first words");

        await page.GetByLabel($"Description of {name}", new() { Exact = true }).FillAsync("the subsidiary's SOC");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Save description of {name}" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel($"Description of {name}", new() { Exact = true })).ToHaveValueAsync("the subsidiary's SOC");

        using var admin = server.Client();
        var orgs = await admin.GetAsync("/api/v1/organisations").ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(orgs.EnumerateArray(), o => o.GetProperty("name").GetString() == name && o.GetProperty("description").GetString() == "the subsidiary's SOC");

        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create organisation" }).ClickAsync();
        await Assertions.Expect(page.Locator("#org-name ~ .field-error")).ToContainTextAsync("already exists");
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
        await page.ScreenshotAsync("admin-organisations");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Admin_creates_edits_and_deletes_a_case_template_checked_by_the_api_rules()
    {
        var page = await AdminPageAsync();
        await page.GotoAsync("/admin/templates");
        var name = NewName("tpl");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByLabel("Title prefix").FillAsync("[Phishing]");
        await page.GetByLabel("Severity").SelectOptionAsync("3");
        await page.GetByLabel("TLP", new() { Exact = true }).SelectOptionAsync("AMBER+STRICT");
        await page.GetByLabel("Tags (comma-separated)").FillAsync("phishing, mail");
        await page.GetByLabel("Tasks (one per line").FillAsync("Triage: Check the headers\nPurge the mail");
        await page.GetByLabel("Custom fields (a JSON object)").FillAsync("[1, 2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create template" }).ClickAsync();
        await Assertions.Expect(page.Locator("#t-fields ~ .field-error")).ToContainTextAsync("not valid JSON");
        await Assertions.Expect(page.GetByLabel("Title prefix")).ToHaveValueAsync("[Phishing]");

        await page.GetByLabel("Custom fields (a JSON object)").FillAsync("[1, 2]");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create template" }).ClickAsync();
        await Assertions.Expect(page.Locator("#t-fields ~ .field-error")).ToContainTextAsync("customFields");

        await page.GetByLabel("Custom fields (a JSON object)").FillAsync("{\"mailbox\": \"soc@example.org\"}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create template" }).ClickAsync();
        var row = page.Locator("#templates tr", new() { HasText = name });
        await Assertions.Expect(row).ToContainTextAsync("AMBER+STRICT");
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
        await page.ScreenshotAsync("admin-templates");

        using var api = server.Client();
        var list = await api.GetAsync("/api/v1/case-templates").ExpectAsync(HttpStatusCode.OK);
        var made = list.GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == name);
        Assert.Equal("[Phishing]", made.GetProperty("titlePrefix").GetString());
        Assert.Equal(3, made.GetProperty("severity").GetInt32());
        Assert.Equal(["phishing", "mail"], made.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("Triage", made.GetProperty("tasks")[0].GetProperty("group").GetString());
        Assert.Equal("Purge the mail", made.GetProperty("tasks")[1].GetProperty("title").GetString());
        Assert.Equal("soc@example.org", made.GetProperty("customFields").GetProperty("mailbox").GetString());

        await page.GetByRole(AriaRole.Link, new() { Name = $"Edit template {name}" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Title prefix")).ToHaveValueAsync("[Phishing]");
        await page.GetByLabel("Title prefix").FillAsync("[Phish]");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save template" }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("[Phish]");
        var edited = await api.GetAsync($"/api/v1/case-templates/{made.Id()}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("[Phish]", edited.GetProperty("titlePrefix").GetString());
        Assert.Equal(2, edited.GetProperty("tasks").GetArrayLength());

        await page.GetByRole(AriaRole.Button, new() { Name = $"Delete template {name}" }).ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/case-templates/{made.Id()}")).StatusCode);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_forged_template_post_by_an_analyst_is_refused_and_creates_nothing()
    {
        var username = NewName("an");
        await server.CreateUserKeyAsync("analyst", username);
        var page = await browser.NewPageAsync(server);
        await page.SignInAsync(username, "user-password-123");
        Assert.Equal(403, (await page.GotoAsync("/admin/templates"))!.Status);
        await page.GotoAsync("/profile");
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        var form = page.Context.APIRequest.CreateFormData();
        var name = NewName("forged");
        form.Set("__RequestVerificationToken", token!);
        form.Set("_handler", "template");
        form.Set("Form.Name", name);
        var response = await page.Context.APIRequest.PostAsync("/admin/templates", new() { Form = form, MaxRedirects = 0 });
        Assert.Equal(403, response.Status);
        using var api = server.Client();
        var list = await api.GetAsync("/api/v1/case-templates").ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), t => t.GetProperty("name").GetString() == name);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_audit_page_lists_the_latest_changes_and_verifies_the_chain()
    {
        var username = NewName("aud");
        await server.CreateUserKeyAsync("analyst", username);
        var page = await AdminPageAsync();
        await page.GotoAsync("/admin/audit");
        await Assertions.Expect(page.Locator("#audit tbody tr").First).ToContainTextAsync("apikey.create");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify the hash chain" }).ClickAsync();
        await Assertions.Expect(page.Locator("#audit-verification")).ToContainTextAsync("The chain verifies");
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
        await page.Context.CloseAsync();

        var analyst = await browser.NewPageAsync(server);
        await analyst.SignInAsync(username, "user-password-123");
        Assert.Equal(403, (await analyst.GotoAsync("/admin/audit"))!.Status);
        await analyst.Context.CloseAsync();
    }
}
