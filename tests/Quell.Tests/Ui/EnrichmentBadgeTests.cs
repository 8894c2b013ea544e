using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Quell.Tests.Enrichment;
using Quell.Tests.Support;

namespace Quell.Tests.Ui;

[Collection(UiCollection.Name)]
public sealed class EnrichmentBadgeTests(Browser browser, UiServer server)
{
    [Fact]
    public async Task Alert_and_case_pages_show_the_taxonomies_of_auto_enrichment_per_observable()
    {
        using var api = server.Client();
        var domain = $"badge-{Guid.NewGuid():N}"[..16] + ".example";
        await api.PostAsJsonAsync("/api/v1/indicators", new { type = "domain", value = domain, source = "badge-test", confidence = 80 }).ExpectAsync(HttpStatusCode.Created);
        // The local intel analyzer runs by itself on alerts and cases; set back to off at the end, as other UI tests share the organisation.
        await api.ConfigureAsync("intel", new { enabled = true, auto = "both" }).ExpectAsync(HttpStatusCode.OK);
        try
        {
            var id = await api.CreateAlertAsync(TestAlerts.Alert(TestAlerts.NewSource(), title: "Enriched alert", observables: [("domain", domain), ("other", "no analyzer takes this")]));
            await Eventually.UntilAsync<bool>(async () =>
            {
                var o = (await api.GetAsync($"/api/v1/alerts/{id}").ExpectAsync(HttpStatusCode.OK)).GetProperty("observables").EnumerateArray()
                    .Single(o => o.GetProperty("data").GetString() == domain);
                return o.GetProperty("enrichment").EnumerateArray().Any(s => s.Status() == "success") ? true : null;
            }, "the intel report of the alert's domain");

            var page = await browser.NewPageAsync(server);
            await page.SignInAsync("admin", TestServer.AdminPassword);
            await page.GotoAsync($"/alerts/{id}");
            var row = page.Locator("tr", new() { HasText = domain.Replace(".", "[.]") });
            await Assertions.Expect(row.Locator(".taxonomy-badge.malicious")).ToHaveTextAsync("Intel:Indicators=1 live, score 80");
            await Assertions.Expect(row.Locator(".taxonomy-badge.info")).ToHaveTextAsync("Intel:Sources=badge-test");
            await Assertions.Expect(page.Locator("tr", new() { HasText = "no analyzer takes this" }).Locator(".taxonomy-badge")).ToHaveCountAsync(0);
            var violations = await page.SeriousAccessibilityViolationsAsync();
            Assert.True(violations.Count == 0, string.Join("\n", violations));

            // The case made from the alert shows the value's reports too (the cache answers; nothing is asked again).
            var caseId = (await api.PostAsync($"/api/v1/alerts/{id}/case", null).ExpectAsync(HttpStatusCode.Created)).Id();
            await page.GotoAsync($"/cases/{caseId}");
            var caseRow = page.Locator("tr", new() { HasText = domain.Replace(".", "[.]") });
            await Assertions.Expect(caseRow.Locator(".taxonomy-badge.malicious")).ToHaveTextAsync("Intel:Indicators=1 live, score 80");
            await page.Context.CloseAsync();
        }
        finally
        {
            await api.ConfigureAsync("intel", new { enabled = false });
        }
    }
}
