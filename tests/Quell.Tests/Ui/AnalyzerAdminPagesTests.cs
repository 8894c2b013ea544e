using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Quell.Tests.Enrichment;
using Quell.Tests.Support;

namespace Quell.Tests.Ui;

/// <summary>
/// /admin/analyzers: every analyzer with its settings and latest success and failure; a page per analyzer whose form
/// saves through the API's validation, with secrets write-only. Each test works in an organisation of its own.
/// </summary>
[Collection(UiCollection.Name)]
public sealed class AnalyzerAdminPagesTests(Browser browser, UiServer server)
{
    const string AbuseIpDb = "cortex:AbuseIPDB";
    const string Secret = "abuse-secret-0123456789";

    async Task<(IPage Page, HttpClient Api)> TenantAdminAsync()
    {
        var tenant = await Tenants.CreateAsync(server);
        var page = await browser.SignedInPageAsync(server, tenant.AdminUsername, Tenants.Password);
        return (page, server.Client(tenant.AdminKey));
    }

    static async Task SaveAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle, new() { Timeout = 60_000 });
    }

    [Fact]
    public async Task Admin_configures_a_cortex_analyzer_whose_key_is_write_only_and_whose_errors_name_the_fields()
    {
        var (page, api) = await TenantAdminAsync();
        using var _ = api;
        await page.GotoAsync("/admin");
        await page.GetByRole(AriaRole.Link, new() { Name = "Analyzers", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Analyzers", Exact = true })).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var row = page.Locator($"#analyzers tr[data-name='{AbuseIpDb}']");
        await Assertions.Expect(row).ToContainTextAsync("ip");
        await Assertions.Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("no");
        await Assertions.Expect(page.Locator("#analyzers tr[data-name='virustotal']")).ToContainTextAsync("https://www.virustotal.com");
        await page.AssertAccessibleAsync();

        await row.GetByRole(AriaRole.Link, new() { Name = AbuseIpDb }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = AbuseIpDb })).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var key = page.Locator(".config-item[data-item='key']");
        await Assertions.Expect(key.Locator(".secret-state")).ToHaveTextAsync("not set");
        await Assertions.Expect(page.GetByLabel("days")).ToHaveAttributeAsync("placeholder", "30");

        // A days that is not a number is named and nothing is stored; what was typed stays. Then, enabled without the required key.
        await page.GetByLabel("Enabled").CheckAsync();
        await page.GetByLabel("days").FillAsync("soon");
        await SaveAsync(page);
        await Assertions.Expect(page.Locator(".config-item[data-item='days'] .field-error")).ToHaveTextAsync("config.days must be a number: 'soon' is not a number");
        await Assertions.Expect(page.GetByLabel("days")).ToHaveValueAsync("soon");
        await Assertions.Expect(page.GetByLabel("Enabled")).ToBeCheckedAsync();
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("admin-analyzer-errors");
        await page.GetByLabel("days").FillAsync("60");
        await SaveAsync(page);
        await Assertions.Expect(key.Locator(".field-error")).ToHaveTextAsync($"config.key is required to enable {AbuseIpDb} (API key for AbuseIPDB (string))");
        var stored = await api.GetAsync($"/api/v1/analyzers/{AbuseIpDb}").ExpectAsync(HttpStatusCode.OK);
        Assert.False(stored.GetProperty("enabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, stored.GetProperty("updatedBy").ValueKind);

        await page.Locator("#item-key").FillAsync(Secret);
        await page.GetByLabel("days").FillAsync("60");
        await page.GetByLabel("Max TLP").SelectOptionAsync("GREEN");
        await SaveAsync(page);
        await Assertions.Expect(page.Locator("p.notice")).ToHaveTextAsync("Settings saved.");
        await Assertions.Expect(key.Locator(".secret-state")).ToHaveTextAsync("set");
        await Assertions.Expect(page.Locator("#item-key")).ToHaveValueAsync("");
        var html = await page.ContentAsync();
        Assert.DoesNotContain(Secret, html, StringComparison.Ordinal);
        Assert.DoesNotContain("********", html, StringComparison.Ordinal);
        stored = await api.GetAsync($"/api/v1/analyzers/{AbuseIpDb}").ExpectAsync(HttpStatusCode.OK);
        Assert.True(stored.GetProperty("enabled").GetBoolean());
        Assert.Equal(("********", "60", "GREEN"), (stored.GetProperty("config").GetProperty("key").GetString(), stored.GetProperty("config").GetProperty("days").GetString(),
            stored.GetProperty("maxTlp").GetString()));
        var item = stored.GetProperty("configItems").EnumerateArray().Single(i => i.GetProperty("name").GetString() == "days");
        Assert.Equal(("number", "30"), (item.GetProperty("type").GetString(), item.GetProperty("default").GetString()));

        // Saving again without typing the key keeps it; "Remove key" removes it (and then the required key is missing again).
        await page.GetByLabel("Rate limit").FillAsync("10/min");
        await SaveAsync(page);
        await Assertions.Expect(page.Locator("p.notice")).ToHaveTextAsync("Settings saved.");
        stored = await api.GetAsync($"/api/v1/analyzers/{AbuseIpDb}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("********", "10/min"), (stored.GetProperty("config").GetProperty("key").GetString(), stored.GetProperty("rateLimit").GetString()));
        await page.GetByLabel("Enabled").UncheckAsync();
        await page.GetByLabel("Remove key").CheckAsync();
        await SaveAsync(page);
        await Assertions.Expect(key.Locator(".secret-state")).ToHaveTextAsync("not set");
        stored = await api.GetAsync($"/api/v1/analyzers/{AbuseIpDb}").ExpectAsync(HttpStatusCode.OK);
        Assert.False(stored.GetProperty("config").TryGetProperty("key", out JsonElement _));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_list_shows_the_latest_failure_and_a_bad_base_url_is_refused_next_to_its_field()
    {
        var (page, api) = await TenantAdminAsync();
        using var _ = api;
        await api.ConfigureAsync("cortex:Fake_Lookup", new { enabled = true, config = new { api_key = "fake-key-12345" } }).ExpectAsync(HttpStatusCode.OK);
        var observable = await api.ObservableAsync("domain", "error.example");
        var report = await api.AnalyzeAsync(observable, "cortex:Fake_Lookup");
        Assert.Equal("failure", report.GetProperty("status").GetString());

        await page.GotoAsync("/admin/analyzers", new() { Timeout = 60_000 });
        var row = page.Locator("#analyzers tr[data-name='cortex:Fake_Lookup']");
        await Assertions.Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("yes");
        await Assertions.Expect(row.Locator("td").Nth(7)).ToContainTextAsync("Invalid API key ********");

        await page.GotoAsync("/admin/analyzers/virustotal", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "virustotal" })).ToBeVisibleAsync();
        await page.GetByLabel("Base URL").FillAsync("ftp://mirror.example");
        await SaveAsync(page);
        await Assertions.Expect(page.Locator("#analyzer-settings .field-error").First)
            .ToHaveTextAsync("baseUrl must be an absolute http or https URL without a query, e.g. https://www.virustotal.com");
        await page.AssertAccessibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_analyst_neither_sees_nor_posts_the_analyzer_pages()
    {
        var username = $"ana{Guid.NewGuid():N}"[..20];
        await server.CreateUserKeyAsync("analyst", username);
        var page = await browser.SignedInPageAsync(server, username, "user-password-123");
        Assert.Equal(403, (await page.GotoAsync("/admin/analyzers", new() { Timeout = 60_000 }))!.Status);
        await page.GotoAsync("/alerts", new() { Timeout = 60_000 });
        using var admin = server.Client();
        var before = (await admin.GetAsync("/api/v1/analyzers/urlhaus").ExpectAsync(HttpStatusCode.OK)).GetRawText();
        Assert.Equal(403, await page.ForgedPostAsync("/admin/analyzers/urlhaus", ("_handler", "analyzer"), ("Form.Enabled", "true"), ("Form.BaseUrl", "https://forged.example")));
        Assert.Equal(before, (await admin.GetAsync("/api/v1/analyzers/urlhaus").ExpectAsync(HttpStatusCode.OK)).GetRawText());
        await page.Context.CloseAsync();
    }
}
