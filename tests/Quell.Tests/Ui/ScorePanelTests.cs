using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Quell.Tests.Support;

namespace Quell.Tests.Ui;

[Collection(UiCollection.Name)]
public sealed class ScorePanelTests(Browser browser, UiServer server)
{
    [Fact]
    public async Task Alert_and_case_pages_show_the_score_with_its_explanation()
    {
        using var api = server.Client();
        var source = TestAlerts.NewSource();
        var domain = $"newsletter{Random.Shared.Next(1, 1_000_000)}.partner.example";
        var first = await api.CreateAlertAsync(TestAlerts.Alert(source, observables: ("domain", domain)));
        await api.PostAsJsonAsync($"/api/v1/alerts/{first}/resolve", new { verdict = "false-positive", comment = "partner newsletter" }).ExpectAsync(HttpStatusCode.OK);
        var second = await api.CreateAlertAsync(TestAlerts.Alert(source, observables: ("domain", domain)));
        var caseId = (await api.PostAsJsonAsync("/api/v1/cases", new { title = "Newsletter", observables = new[] { new { dataType = "domain", data = domain } } })
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetInt64();

        var page = await browser.NewPageAsync(server);
        await page.SignInAsync("admin", TestServer.AdminPassword);
        await page.GotoAsync($"/alerts/{second}");
        var panel = page.Locator("section.score");
        // history −1.5 and the kind's history −1: −2.197 − 2.5 → 1
        await Assertions.Expect(panel.Locator(".score-value")).ToHaveTextAsync("Score 1");
        await Assertions.Expect(panel.Locator(".score-verdict")).ToHaveTextAsync("safe");
        await Assertions.Expect(panel.Locator("table.score-explanation tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(panel).ToContainTextAsync("seen in 1 earlier alerts of this type and source: false-positive ×1");
        await Assertions.Expect(panel.Locator(".score-history")).ToContainTextAsync("seen in 1 earlier alerts/cases: false-positive ×1");
        await Assertions.Expect(panel.Locator(".score-history")).ToContainTextAsync(domain.Replace(".", "[.]", StringComparison.Ordinal));

        await page.GotoAsync($"/cases/{caseId}");
        panel = page.Locator("section.score");
        await Assertions.Expect(panel.Locator(".score-verdict")).ToHaveTextAsync("safe");
        await Assertions.Expect(panel).ToContainTextAsync("seen in 1 earlier alerts/cases: false-positive ×1");
        await page.Context.CloseAsync();
    }
}
