using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Quell.Tests.Support;

namespace Quell.Tests.Ui;

[Collection(UiCollection.Name)]
public sealed class AlertQueueTests(Browser browser, UiServer server)
{
    static async Task<long[]> ShownIdsAsync(IPage page) =>
        (await page.Locator("#alert-queue tbody tr[data-id]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)"))
            .Select(long.Parse).Order().ToArray();

    static async Task<JsonElement> AlertAsync(HttpClient client, long id) =>
        await client.GetAsync($"/api/v1/alerts/{id}").ExpectAsync(HttpStatusCode.OK);

    [Fact]
    public async Task Filters_show_exactly_the_matching_alerts_and_pages_follow_the_cursor()
    {
        using var api = server.Client();
        var source = TestAlerts.NewSource();
        var tag = "tag-" + Guid.NewGuid().ToString("N")[..8];
        var ip = $"198.51.100.{Random.Shared.Next(1, 250)}";
        var high = await api.CreateAlertAsync(TestAlerts.Alert(source, severity: 3, tags: [tag], observables: ("ip", ip)));
        var low = await api.CreateAlertAsync(TestAlerts.Alert(source, severity: 1, observables: ("domain", "filters.example")));
        var highToo = await api.CreateAlertAsync(TestAlerts.Alert(source, severity: 3));
        await api.CreateAlertAsync(TestAlerts.Alert(TestAlerts.NewSource(), severity: 3, tags: [tag]));

        var page = await browser.NewPageAsync(server);
        await page.SignInAsync("admin", TestServer.AdminPassword);
        await page.GotoAsync("/alerts");
        await page.GetByLabel("Source").FillAsync(source);
        await page.GetByLabel("Severity").SelectOptionAsync("3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await page.ExpectUrlAsync(u => u.Contains("severity=3", StringComparison.Ordinal));
        Assert.Equal(new[] { high, highToo }.Order(), await ShownIdsAsync(page));

        await page.GotoAsync($"/alerts?source={source}&tag={tag}");
        Assert.Equal([high], await ShownIdsAsync(page));
        await page.GotoAsync($"/alerts?source={source}&observable={ip}");
        Assert.Equal([high], await ShownIdsAsync(page));
        await page.GotoAsync($"/alerts?source={source}&severity=1");
        Assert.Equal([low], await ShownIdsAsync(page));

        await page.GotoAsync($"/alerts?source={source}&limit=2&sort=-createdAt");
        var first = await ShownIdsAsync(page);
        Assert.Equal(2, first.Length);
        await page.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "First page" })).ToBeVisibleAsync();
        Assert.Contains($"source={source}", page.Url);
        var second = await ShownIdsAsync(page);
        Assert.Equal(new[] { high, low, highToo }.Order(), first.Concat(second).Order());
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Next page" })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Alerts_selected_with_the_keyboard_are_promoted_into_one_case()
    {
        using var api = server.Client();
        var source = TestAlerts.NewSource();
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
            ids.Add(await api.CreateAlertAsync(TestAlerts.Alert(source, observables: ("ip", $"203.0.113.{i + 1}"))));

        var page = await browser.NewPageAsync(server);
        await page.SignInAsync("admin", TestServer.AdminPassword);
        await page.GotoAsync($"/alerts?source={source}");
        await Assertions.Expect(page.Locator("#alert-queue tbody tr[data-id]")).ToHaveCountAsync(3);
        foreach (var _ in ids)
        {
            await page.Keyboard.PressAsync("j");
            await page.Keyboard.PressAsync("x");
        }
        await Assertions.Expect(page.Locator("#alert-queue tbody input[type=checkbox]:checked")).ToHaveCountAsync(3);
        await page.Keyboard.PressAsync("?");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Keyboard shortcuts" })).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("?");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Keyboard shortcuts" })).ToBeHiddenAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Promote to one new case" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("3 alerts promoted to case #");
        Assert.Contains($"source={source}", page.Url);

        var cases = new HashSet<long>();
        foreach (var id in ids)
        {
            var alert = await AlertAsync(api, id);
            Assert.Equal("imported", alert.Str("status"));
            cases.Add(alert.GetProperty("caseId").GetInt64());
        }
        var caseId = Assert.Single(cases);
        var view = await api.GetCaseAsync(caseId);
        Assert.Equal(ids.Order(), view.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("id").GetInt64()).Order());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Enter_opens_the_current_row_and_leaves_focused_buttons_alone()
    {
        using var api = server.Client();
        var source = TestAlerts.NewSource();
        var older = await api.CreateAlertAsync(TestAlerts.Alert(source, date: "2025-03-01T00:00:00Z"));
        var newer = await api.CreateAlertAsync(TestAlerts.Alert(source, date: "2025-03-02T00:00:00Z"));
        var page = await browser.NewPageAsync(server);
        await page.SignInAsync("admin", TestServer.AdminPassword);
        await page.GotoAsync($"/alerts?source={source}");
        await page.Keyboard.PressAsync("j");
        await page.Keyboard.PressAsync("j");
        await page.Keyboard.PressAsync("k");
        await Assertions.Expect(page.Locator("tr.current")).ToHaveAttributeAsync("data-id", newer.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var filter = page.GetByRole(AriaRole.Button, new() { Name = "Filter" });
        await filter.FocusAsync();
        // Enter only submits once the button holds the focus; a loaded CI machine can take its time to give it.
        await Assertions.Expect(filter).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.ExpectUrlAsync(u => u.Contains("/alerts?", StringComparison.Ordinal) && u.Contains("sort=", StringComparison.Ordinal));
        await page.Keyboard.PressAsync("j");
        await page.Keyboard.PressAsync("j");
        // The row must be current before Enter, or a slow machine presses Enter on a page still loading.
        await Assertions.Expect(page.Locator("tr.current")).ToHaveAttributeAsync("data-id", older.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Keyboard.PressAsync("Enter");
        await page.ExpectUrlAsync(u => u.EndsWith($"/alerts/{older}", StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Mark_read_and_ignore_change_the_selected_alerts_only()
    {
        using var api = server.Client();
        var source = TestAlerts.NewSource();
        var a = await api.CreateAlertAsync(TestAlerts.Alert(source));
        var b = await api.CreateAlertAsync(TestAlerts.Alert(source));

        var page = await browser.NewPageAsync(server);
        await page.SignInAsync("admin", TestServer.AdminPassword);
        await page.GotoAsync($"/alerts?source={source}");
        await page.GetByLabel($"Select alert {a}").CheckAsync();
        await page.GetByLabel($"Select alert {b}").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Mark read" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("2 alerts marked read");
        Assert.True((await AlertAsync(api, a)).GetProperty("read").GetBoolean());
        Assert.True((await AlertAsync(api, b)).GetProperty("read").GetBoolean());

        await page.GetByLabel($"Select alert {b}").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Ignore" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("1 alert ignored");
        Assert.Equal("new", (await AlertAsync(api, a)).Str("status"));
        Assert.Equal("ignored", (await AlertAsync(api, b)).Str("status"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Merging_into_an_unknown_case_says_so_and_changes_nothing()
    {
        using var api = server.Client();
        var source = TestAlerts.NewSource();
        var a = await api.CreateAlertAsync(TestAlerts.Alert(source));
        var page = await browser.NewPageAsync(server);
        await page.SignInAsync("admin", TestServer.AdminPassword);
        await page.GotoAsync($"/alerts?source={source}");
        await page.GetByLabel($"Select alert {a}").CheckAsync();
        await page.GetByLabel("Case number").FillAsync("987654");
        await page.GetByRole(AriaRole.Button, new() { Name = "Merge into case" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Case #987654 does not exist");
        await Assertions.Expect(page.GetByLabel("Case number")).ToHaveValueAsync("987654");
        await Assertions.Expect(page.GetByLabel($"Select alert {a}")).ToBeCheckedAsync();
        Assert.Equal(JsonValueKind.Null, (await AlertAsync(api, a)).GetProperty("caseId").ValueKind);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Promoting_a_selection_with_an_already_linked_alert_changes_nothing()
    {
        using var api = server.Client();
        var source = TestAlerts.NewSource();
        var linked = await api.CreateAlertAsync(TestAlerts.Alert(source));
        await api.PostAsync($"/api/v1/alerts/{linked}/case", null).ExpectAsync(HttpStatusCode.Created);
        var free = await api.CreateAlertAsync(TestAlerts.Alert(source));
        var page = await browser.NewPageAsync(server);
        await page.SignInAsync("admin", TestServer.AdminPassword);
        await page.GotoAsync($"/alerts?source={source}");
        await page.GetByLabel($"Select alert {free}").CheckAsync();
        await page.GetByLabel($"Select alert {linked}").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Promote to one new case" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync($"alert {linked} is already linked");
        var after = await AlertAsync(api, free);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("caseId").ValueKind);
        Assert.Equal("new", after.Str("status"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_alert_posted_while_the_queue_is_open_shows_up_without_reload()
    {
        using var api = server.Client();
        var source = TestAlerts.NewSource();
        await api.CreateAlertAsync(TestAlerts.Alert(source));
        var page = await browser.NewPageAsync(server);
        await page.SignInAsync("admin", TestServer.AdminPassword);
        await page.GotoAsync($"/alerts?source={source}");
        await Assertions.Expect(page.Locator("#alert-queue tbody tr[data-id]")).ToHaveCountAsync(1);
        // Another source's alert is not counted: the live count uses the page's filters.
        await api.CreateAlertAsync(TestAlerts.Alert(TestAlerts.NewSource()));
        var arrived = await api.CreateAlertAsync(TestAlerts.Alert(source, title: "Arrived live"));

        await Assertions.Expect(page.Locator("#live-count")).ToHaveTextAsync("1");
        await Assertions.Expect(page).ToHaveTitleAsync("(1) Alerts · Quell");
        await page.GetByRole(AriaRole.Link, new() { Name = "1 new alert — show" }).ClickAsync();
        await Assertions.Expect(page.Locator($"#alert-queue tr[data-id='{arrived}']")).ToContainTextAsync("Arrived live");
        await Assertions.Expect(page.Locator("#live-count")).ToBeHiddenAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_read_only_user_sees_no_actions_and_a_forged_bulk_post_is_refused()
    {
        using var api = server.Client();
        var source = TestAlerts.NewSource();
        var a = await api.CreateAlertAsync(TestAlerts.Alert(source));
        var username = "ro" + Guid.NewGuid().ToString("N")[..10];
        await server.CreateUserKeyAsync("read-only", username);

        var page = await browser.NewPageAsync(server);
        await page.SignInAsync(username, "user-password-123");
        await page.GotoAsync($"/alerts?source={source}");
        await Assertions.Expect(page.Locator($"#alert-queue tr[data-id='{a}']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#alert-queue input[type=checkbox]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Ignore" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Promote to one new case" })).ToHaveCountAsync(0);

        var token = await page.Locator("input[name=__RequestVerificationToken]").First.InputValueAsync();
        foreach (var action in new[] { "ignore", "promote" })
        {
            var form = page.Context.APIRequest.CreateFormData();
            form.Set("__RequestVerificationToken", token);
            form.Set("_handler", "bulk");
            form.Set("action", action);
            form.Append("ids", a.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var response = await page.Context.APIRequest.PostAsync($"/alerts?source={source}", new() { Form = form, MaxRedirects = 0 });
            Assert.Equal(403, response.Status);
        }
        var after = await AlertAsync(api, a);
        Assert.Equal("new", after.Str("status"));
        Assert.Equal(JsonValueKind.Null, after.GetProperty("caseId").ValueKind);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_queue_is_accessible()
    {
        using var api = server.Client();
        var source = TestAlerts.NewSource();
        await api.CreateAlertAsync(TestAlerts.Alert(source, severity: 4, title: "Credential phishing reported by finance", tags: ["phishing", "finance"],
            observables: [("url", "http://login.evil.example/reset"), ("mail", "ceo@evil.example")]));
        await api.CreateAlertAsync(TestAlerts.Alert(source, severity: 2, title: "Impossible travel for j.doe", tags: ["identity"]));
        await api.CreateAlertAsync(TestAlerts.Alert(source, severity: 3, title: "Beaconing to 203.0.113.50 every 60 s", observables: ("ip", "203.0.113.50")));
        var page = await browser.NewPageAsync(server);
        await page.SignInAsync("admin", TestServer.AdminPassword);
        await page.GotoAsync($"/alerts?source={source}");
        await page.Keyboard.PressAsync("j");
        await page.Keyboard.PressAsync("x");
        await page.Keyboard.PressAsync("/");
        await Assertions.Expect(page.GetByLabel("Search titles")).ToBeFocusedAsync();
        await page.ScreenshotAsync("alert-queue");
        var violations = await page.SeriousAccessibilityViolationsAsync();
        Assert.True(violations.Count == 0, string.Join("\n", violations));
        await page.Context.CloseAsync();
    }
}
