using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Quell.Tests.Support;

namespace Quell.Tests.Ui;

[Collection(UiCollection.Name)]
public sealed class CasePageTests(Browser browser, UiServer server)
{
    static string S(long id) => id.ToString(CultureInfo.InvariantCulture);

    async Task<IPage> AdminOnCaseAsync(long id)
    {
        var page = await browser.NewPageAsync(server);
        await page.SignInAsync("admin", TestServer.AdminPassword);
        await page.GotoAsync($"/cases/{S(id)}");
        return page;
    }

    [Fact]
    public async Task Analyst_adds_a_task_a_log_a_comment_and_resolves_the_case()
    {
        using var api = server.Client();
        var created = await api.CreateCaseAsync("Phishing from payroll" + Guid.NewGuid().ToString("N")[..6],
            "\"description\":\"Reported by **finance**\",\"firstEvidenceAt\":\"2026-01-01T08:00:00Z\",\"detectedAt\":\"2026-01-02T10:00:00Z\"");
        var id = created.Id();
        var page = await AdminOnCaseAsync(id);
        await Assertions.Expect(page.Locator(".case-summary .markdown strong")).ToHaveTextAsync("finance");
        await Assertions.Expect(page.Locator("dl.fields")).ToContainTextAsync("1 d 2 h");

        await page.GetByLabel("Task title").FillAsync("Purge the mail");
        await page.GetByLabel("Group").FillAsync("containment");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add task" }).ClickAsync();
        await Assertions.Expect(page.Locator("#case-tasks tbody tr")).ToHaveCountAsync(1);
        var task = (await api.GetCaseAsync(id)).GetProperty("tasks")[0];
        Assert.Equal("Purge the mail", task.Str("title"));
        Assert.Equal("containment", task.Str("group"));

        await page.GetByText("0 log entries").ClickAsync();
        await page.GetByLabel("New log entry for Purge the mail (Markdown)").FillAsync("Purged from **42** mailboxes");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add log" }).ClickAsync();
        await Assertions.Expect(page.Locator("ol.log strong")).ToHaveTextAsync("42");
        var logs = await api.GetAsync($"/api/v1/tasks/{S(task.Id())}/logs").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Purged from **42** mailboxes", logs.GetProperty("items")[0].Str("message"));

        await page.GetByLabel("Status of Purge the mail").SelectOptionAsync("completed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Update task" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Status of Purge the mail")).ToHaveValueAsync("completed");
        Assert.Equal("completed", (await api.GetCaseAsync(id)).GetProperty("tasks")[0].Str("status"));

        await page.GetByLabel("Comment (Markdown)").FillAsync("Sender is **spoofed**");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add comment" }).ClickAsync();
        await Assertions.Expect(page.Locator("#case-comments strong")).ToHaveTextAsync("spoofed");
        var comments = await api.GetAsync($"/api/v1/cases/{S(id)}/comments").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Sender is **spoofed**", comments.GetProperty("items")[0].Str("message"));

        // Resolving without a resolution is refused with the API's rule, next to the field; nothing is written.
        await page.Locator("#status-form select[name=status]").SelectOptionAsync("resolved");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set status" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status-form .field-error")).ToContainTextAsync("resolution is required");
        Assert.Equal("new", (await api.GetCaseAsync(id)).Str("status"));

        await page.Locator("#status-form select[name=status]").SelectOptionAsync("resolved");
        await page.Locator("#status-form select[name=resolution]").SelectOptionAsync("true-positive");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set status" }).ClickAsync();
        await Assertions.Expect(page.Locator(".case-status")).ToHaveTextAsync("resolved (true-positive)");
        var after = await api.GetCaseAsync(id);
        Assert.Equal("resolved", after.Str("status"));
        Assert.Equal("true-positive", after.Str("resolution"));
        await Assertions.Expect(page.Locator("#case-timeline")).ToContainTextAsync("Status new → resolved (true-positive)");

        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());
        await page.ScreenshotAsync("case");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_stale_form_writes_nothing_and_says_the_case_changed()
    {
        using var api = server.Client();
        var id = (await api.CreateCaseAsync("Stale " + Guid.NewGuid().ToString("N")[..6], "\"severity\":2")).Id();
        var page = await AdminOnCaseAsync(id);
        await api.PatchJsonAsync($"/api/v1/cases/{S(id)}", new { title = "Renamed through the API" }).ExpectAsync(HttpStatusCode.OK);

        await page.Locator("#summary-form select[name=severity]").SelectOptionAsync("4");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("This case was changed by someone else since you opened it");
        await Assertions.Expect(page.Locator("#summary-form input[name=title]")).ToHaveValueAsync("Renamed through the API");
        var now = await api.GetCaseAsync(id);
        Assert.Equal("Renamed through the API", now.Str("title"));
        Assert.Equal(2, now.GetProperty("severity").GetInt32());

        // Applied again on the current values, the change goes through.
        await page.Locator("#summary-form select[name=severity]").SelectOptionAsync("4");
        await page.GetByLabel("Custom fields (JSON object)").FillAsync("{\"businessUnit\": \"finance\"}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.Locator(".case-head .sev")).ToHaveTextAsync("critical");
        Assert.Equal(4, (await api.GetCaseAsync(id)).GetProperty("severity").GetInt32());
        Assert.Equal("Renamed through the API", (await api.GetCaseAsync(id)).Str("title"));
        Assert.Equal("finance", (await api.GetCaseAsync(id)).GetProperty("customFields").Str("businessUnit"));
        await Assertions.Expect(page.Locator("dl.fields")).ToContainTextAsync("businessUnit");

        await page.GetByLabel("Custom fields (JSON object)").FillAsync("not json");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.Locator("#summary-form .field-error")).ToContainTextAsync("custom fields must be a JSON object");
        await Assertions.Expect(page.GetByLabel("Custom fields (JSON object)")).ToHaveValueAsync("not json");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Observables_are_added_defanged_flagged_and_removed()
    {
        using var api = server.Client();
        var id = (await api.CreateCaseAsync("Observables " + Guid.NewGuid().ToString("N")[..6])).Id();
        var page = await AdminOnCaseAsync(id);

        await page.Locator("#observable-form select[name=dataType]").SelectOptionAsync("url");
        await page.GetByLabel("Value").FillAsync("http://evil.example/login");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add observable" }).ClickAsync();
        var row = page.Locator("#case-observables tbody tr");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row.Locator(".defanged")).ToHaveTextAsync("hxxp://evil[.]example/login");
        await Assertions.Expect(page.Locator("#case-observables a")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Button, new() { Name = "Flag IOC" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Unflag IOC" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Mark sighted" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Unmark sighted" })).ToBeVisibleAsync();
        var o = (await api.GetCaseAsync(id)).GetProperty("observables")[0];
        Assert.True(o.GetProperty("ioc").GetBoolean());
        Assert.True(o.GetProperty("sighted").GetBoolean());

        await page.GetByLabel("Value").FillAsync("not an address");
        await page.Locator("#observable-form select[name=dataType]").SelectOptionAsync("ip");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add observable" }).ClickAsync();
        await Assertions.Expect(page.Locator("#observable-form .field-error")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("Value")).ToHaveValueAsync("not an address");

        await page.GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);
        Assert.Equal(0, (await api.GetCaseAsync(id)).GetProperty("observables").GetArrayLength());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Analyst_attaches_a_file_and_sees_its_size_hashes_and_a_download_link()
    {
        using var api = server.Client();
        var id = (await api.CreateCaseAsync("Sample " + Guid.NewGuid().ToString("N")[..6])).Id();
        var page = await AdminOnCaseAsync(id);
        var sample = Quell.Tests.Files.FileApi.Sample(2048, 17);
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(sample));

        await page.Locator("#file-form input[type=file]").SetInputFilesAsync(new FilePayload { Name = "invoice.js", MimeType = "text/javascript", Buffer = sample });
        await page.GetByRole(AriaRole.Button, new() { Name = "Attach file" }).ClickAsync();

        var row = page.Locator("#case-observables tbody tr");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row.Locator(".file-size")).ToHaveTextAsync("2,048 bytes");
        await Assertions.Expect(row.Locator(".file-hashes")).ToContainTextAsync(sha256);
        var href = await row.Locator("a.file-download").GetAttributeAsync("href");
        var observable = (await api.GetCaseAsync(id)).GetProperty("observables")[0];
        Assert.Equal($"invoice.js|{sha256}", observable.Str("data"));
        Assert.Equal($"/api/v1/cases/{S(id)}/observables/{S(observable.Id())}/file", href);

        // The signed-in analyst's download is the sample, as an attachment, never rendered.
        var download = await page.Context.APIRequest.GetAsync(href!);
        Assert.Equal(200, download.Status);
        Assert.Equal(sample, await download.BodyAsync());
        Assert.Equal("application/octet-stream", download.Headers["content-type"]);
        Assert.StartsWith("attachment", download.Headers["content-disposition"]);

        // No file chosen: the form says what is missing.
        await page.GetByRole(AriaRole.Button, new() { Name = "Attach file" }).EvaluateAsync("b => b.form.querySelector('input[type=file]').removeAttribute('required')");
        await page.GetByRole(AriaRole.Button, new() { Name = "Attach file" }).ClickAsync();
        await Assertions.Expect(page.Locator("#file-form .field-error")).ToContainTextAsync("file is required");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_hostile_comment_renders_inert()
    {
        using var api = server.Client();
        var id = (await api.CreateCaseAsync("Hostile " + Guid.NewGuid().ToString("N")[..6])).Id();
        const string Hostile = "<script>window.pwned = 1</script> [click](javascript:window.pwned=2) <img src=x onerror=\"window.pwned=3\">";
        await api.PostJsonAsync($"/api/v1/cases/{S(id)}/comments", JsonSerializer.Serialize(new { message = Hostile })).ExpectAsync(HttpStatusCode.Created);
        var page = await AdminOnCaseAsync(id);
        var comment = page.Locator("#case-comments li").First;
        await Assertions.Expect(comment).ToContainTextAsync("<script>window.pwned = 1</script>");
        await Assertions.Expect(comment.Locator("script, img")).ToHaveCountAsync(0);
        await Assertions.Expect(comment.Locator("a[href]")).ToHaveCountAsync(0);
        await comment.GetByText("click").ClickAsync();
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.pwned"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_read_only_user_sees_no_edit_controls_and_a_forged_post_is_refused()
    {
        using var api = server.Client();
        var id = (await api.CreateCaseAsync("Read only " + Guid.NewGuid().ToString("N")[..6])).Id();
        await api.PostJsonAsync($"/api/v1/cases/{S(id)}/tasks", "{\"title\":\"Check logs\"}").ExpectAsync(HttpStatusCode.Created);
        var username = "reader" + Guid.NewGuid().ToString("N")[..8];
        await server.CreateUserKeyAsync("read-only", username);

        var page = await browser.NewPageAsync(server);
        await page.SignInAsync(username, "user-password-123");
        await page.GotoAsync($"/cases/{S(id)}");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("Read only");
        await Assertions.Expect(page.Locator("main form")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("main textarea, main select, main input")).ToHaveCountAsync(0);
        Assert.Empty(await page.SeriousAccessibilityViolationsAsync());

        // The sign-out form in the header carries a valid antiforgery token for this session.
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        var response = await page.APIRequest.PostAsync($"/cases/{S(id)}", new()
        {
            Form = FormOf(page, ("_handler", "comment"), ("__RequestVerificationToken", token!), ("message", "forged")),
        });
        Assert.Equal(403, response.Status);
        var status = await page.APIRequest.PostAsync($"/cases/{S(id)}", new()
        {
            Form = FormOf(page, ("_handler", "status"), ("__RequestVerificationToken", token!), ("status", "resolved"), ("resolution", "benign"), ("version", "1")),
        });
        Assert.Equal(403, status.Status);
        var responder = await page.APIRequest.PostAsync($"/cases/{S(id)}", new()
        {
            Form = FormOf(page, ("_handler", "responder"), ("__RequestVerificationToken", token!), ("responder", "cortex:Notify_Team")),
        });
        Assert.Equal(403, responder.Status);
        var comments = await api.GetAsync($"/api/v1/cases/{S(id)}/comments").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, comments.GetProperty("items").GetArrayLength());
        Assert.Equal("new", (await api.GetCaseAsync(id)).Str("status"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_responder_runs_on_the_case_from_its_page_and_the_run_shows_its_operations()
    {
        using var api = server.Client();
        await api.PutAsJsonAsync("/api/v1/responders/cortex:Notify_Team", new { enabled = true, config = new { to = "cert@example.org" } }).ExpectAsync(HttpStatusCode.OK);
        var id = (await api.CreateCaseAsync("Responder page " + Guid.NewGuid().ToString("N")[..6])).Id();
        var page = await AdminOnCaseAsync(id);
        await Assertions.Expect(page.Locator("#responders-h + p")).ToHaveTextAsync("No responder has run on this case.");

        await page.Locator("#responder-form").GetByLabel("Responder").SelectOptionAsync("cortex:Notify_Team");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run responder" }).ClickAsync();
        await Assertions.Expect(page.Locator("#responder-runs tbody tr")).ToHaveCountAsync(1);
        // The run is a job: reload until it has ended (the page shows it pending until then).
        var row = page.Locator("#responder-runs tbody tr").First;
        for (var i = 0; i < 120 && !(await row.InnerTextAsync()).Contains("success", StringComparison.Ordinal); i++)
        {
            await Task.Delay(500);
            await page.ReloadAsync();
        }
        await Assertions.Expect(row).ToContainTextAsync("cortex:Notify_Team");
        await Assertions.Expect(row).ToContainTextAsync("success");
        await Assertions.Expect(row).ToContainTextAsync("AddTagToCase (applied)");
        Assert.Contains("notified", (await api.GetCaseAsync(id)).GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var runs = await api.GetAsync($"/api/v1/responders/runs?objectType=case&objectId={S(id)}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("success", Assert.Single(runs.GetProperty("items").EnumerateArray()).Str("status"));

        // A responder that does not exist (a forged post) is refused with the page, and nothing runs.
        var token = await page.Locator("#responder-form input[name=__RequestVerificationToken]").InputValueAsync();
        var forged = await page.APIRequest.PostAsync($"/cases/{S(id)}", new()
        {
            Form = FormOf(page, ("_handler", "responder"), ("__RequestVerificationToken", token), ("responder", "cortex:Nope")),
        });
        Assert.Equal(400, forged.Status);
        Assert.Contains("Choose a responder that acts on cases: cortex:Notify_Team", await forged.TextAsync(), StringComparison.Ordinal);
        runs = await api.GetAsync($"/api/v1/responders/runs?objectType=case&objectId={S(id)}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, runs.GetProperty("items").GetArrayLength());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_case_number_leads_to_its_page_and_an_unknown_case_is_not_found()
    {
        using var api = server.Client();
        var created = await api.CreateCaseAsync("By number " + Guid.NewGuid().ToString("N")[..6]);
        var page = await browser.NewPageAsync(server);
        await page.SignInAsync("admin", TestServer.AdminPassword);
        await page.GotoAsync($"/cases/number/{S(created.GetProperty("number").GetInt64())}");
        await page.ExpectUrlAsync(u => u.EndsWith($"/cases/{S(created.Id())}", StringComparison.Ordinal));
        var missing = await page.GotoAsync("/cases/999999999");
        Assert.Equal(404, missing!.Status);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Tasks_come_from_a_case_template_and_a_case_is_merged_into_another_by_number()
    {
        using var api = server.Client();
        var template = "tpl" + Guid.NewGuid().ToString("N")[..8];
        await api.PostJsonAsync("/api/v1/case-templates",
            $$"""{"name":"{{template}}","tasks":[{"title":"Check sender","group":"triage"},{"title":"Purge"}]}""").ExpectAsync(HttpStatusCode.Created);
        var target = await api.CreateCaseAsync("Merge target " + Guid.NewGuid().ToString("N")[..6]);
        var source = (await api.CreateCaseAsync("Merge source " + Guid.NewGuid().ToString("N")[..6])).Id();
        var page = await AdminOnCaseAsync(source);

        await page.GetByLabel("Case template").SelectOptionAsync(template);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the template's tasks" }).ClickAsync();
        await Assertions.Expect(page.Locator("#case-tasks tbody tr")).ToHaveCountAsync(2);
        Assert.Equal(["Check sender", "Purge"], (await api.GetCaseAsync(source)).GetProperty("tasks").EnumerateArray().Select(t => t.Str("title")));

        await page.GetByLabel("Merge this case into case number").FillAsync("999999999");
        await page.GetByRole(AriaRole.Button, new() { Name = "Merge" }).ClickAsync();
        await Assertions.Expect(page.Locator("#merge-form .field-error")).ToContainTextAsync("case number 999999999 does not exist");

        await page.GetByLabel("Merge this case into case number").FillAsync(S(target.GetProperty("number").GetInt64()));
        await page.GetByRole(AriaRole.Button, new() { Name = "Merge" }).ClickAsync();
        await page.ExpectUrlAsync(u => u.EndsWith($"/cases/{S(target.Id())}", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#case-tasks tbody tr")).ToHaveCountAsync(2);
        var merged = await api.GetCaseAsync(source);
        Assert.Equal(target.Id(), merged.GetProperty("mergedInto").GetInt64());
        Assert.Equal("duplicate", merged.Str("resolution"));
        await page.Context.CloseAsync();
    }

    static IFormData FormOf(IPage page, params (string Name, string Value)[] fields)
    {
        var form = page.APIRequest.CreateFormData();
        foreach (var (n, v) in fields)
            form.Set(n, v);
        return form;
    }
}
