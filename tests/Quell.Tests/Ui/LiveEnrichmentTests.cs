using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using Quell.Tests.Enrichment;
using Quell.Tests.Support;

namespace Quell.Tests.Ui;

/// <summary>
/// Results appear on the observable as they arrive: an alert page opened while VirusTotal (a local replay that answers
/// only when the test lets it) is still pending shows the result and the new score without navigating.
/// </summary>
[Collection(UiCollection.Name)]
public sealed class LiveEnrichmentTests(Browser browser, UiServer server)
{
    static readonly LocatorAssertionsToHaveTextOptions Arrives = new() { Timeout = 60_000 };

    [Fact]
    public async Task A_pending_run_s_badge_and_the_score_appear_on_the_open_alert_page_without_a_reload()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var vt = await ReplayServer.StartAsync(async (_, r) =>
        {
            // The answer waits until the page shows the run pending: a delay that no load on the machine can outrun.
            await gate.Task.WaitAsync(TimeSpan.FromMinutes(2));
            r.ContentType = "application/json";
            await r.WriteAsync("""
                {"data": {"type": "url", "id": "x", "attributes": {"url": "u", "last_analysis_stats": {"harmless": 60, "malicious": 5, "suspicious": 0, "undetected": 10, "timeout": 0}}}}
                """);
        });
        using var api = server.Client();
        // Other UI tests share the organisation: VirusTotal is turned off again at the end.
        await api.ConfigureAsync("virustotal", new { enabled = true, baseUrl = vt.BaseUrl, config = new { key = "vt-key-0123456789" } }).ExpectAsync(HttpStatusCode.OK);
        try
        {
            var url = $"http://live-{Guid.NewGuid():N}.example/login";
            var id = await api.CreateAlertAsync(TestAlerts.Alert(TestAlerts.NewSource(), title: "Live enrichment", observables: [("url", url)]));
            var observable = (await api.GetAsync($"/api/v1/alerts/{id}").ExpectAsync(HttpStatusCode.OK)).GetProperty("observables")[0].GetProperty("id").GetInt64();
            await api.PostAsync($"/api/v1/observables/{observable}/analyze?of=alert", null).ExpectAsync(HttpStatusCode.Accepted);

            var page = await browser.NewPageAsync(server);
            await page.SignInAsync("admin", TestServer.AdminPassword);
            await page.GotoAsync($"/alerts/{id}");
            var cell = page.Locator($"#enrichment-{observable}");
            await Assertions.Expect(cell.Locator(".taxonomy-badge.pending")).ToHaveTextAsync("virustotal pending");
            await Assertions.Expect(page.Locator("#enrichment-status")).ToHaveTextAsync("Waiting for 1 analyzer run; results appear here as they arrive.");
            await Assertions.Expect(page.Locator("#score-live")).Not.ToContainTextAsync("virustotal");
            await page.EvaluateAsync("() => { window.quellTestMark = 'same page'; }");

            gate.SetResult();
            await Assertions.Expect(cell.Locator(".taxonomy-badge.malicious")).ToHaveTextAsync("VT:GetReport=5/75", Arrives);
            await Assertions.Expect(page.Locator("#score-live .score-explanation tbody tr").First).ToContainTextAsync("virustotal", new() { Timeout = 60_000 });
            await Assertions.Expect(page.Locator("#score-live .score-value")).ToHaveTextAsync("Score 69");
            await Assertions.Expect(page.Locator("#enrichment-status")).ToHaveTextAsync("");
            await Assertions.Expect(page.Locator("[data-enrichment-live]")).ToHaveCountAsync(0, new() { Timeout = 60_000 });
            Assert.Equal("same page", await page.EvaluateAsync<string>("() => window.quellTestMark"));
            var violations = await page.SeriousAccessibilityViolationsAsync();
            Assert.True(violations.Count == 0, string.Join("\n", violations));
            await page.Context.CloseAsync();
        }
        finally
        {
            gate.TrySetResult();
            await api.ConfigureAsync("virustotal", new { enabled = false });
        }
    }

    [Fact]
    public async Task The_live_fragment_is_the_organisation_s_own()
    {
        using var api = server.Client();
        var id = await api.CreateAlertAsync(TestAlerts.Alert(TestAlerts.NewSource(), observables: [("domain", "live-fragment.example")]));
        var observable = (await api.GetAsync($"/api/v1/alerts/{id}").ExpectAsync(HttpStatusCode.OK)).GetProperty("observables")[0].GetProperty("id").GetInt64();
        using var response = await api.GetAsync($"/ui/alerts/{id}/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("data-pending=\"0\"", html);
        Assert.Contains($"data-live-fill=\"enrichment-{observable}\"", html);
        Assert.Contains("No evidence yet", html);
        using var other = server.Client(await server.CreateOtherOrganisationKeyAsync());
        await other.GetAsync($"/ui/alerts/{id}/live").ExpectProblemAsync(HttpStatusCode.NotFound);
        await other.GetAsync("/ui/cases/999999999/live").ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
