using System.Net;
using System.Net.Http.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Ui;

/// <summary>
/// Every page renders for an administrator on both stores. The browser tests run on SQLite, whose reads complete
/// synchronously; on PostgreSQL a page renders once before its first read returns, so markup that uses data before
/// it is loaded fails only there.
/// </summary>
public abstract class PageRenderTests(TestServer server)
{
    [Fact]
    public async Task Every_page_answers_200_with_data_on_it_and_no_error_banner()
    {
        using var api = server.Client();
        var source = TestAlerts.NewSource();
        var alertId = await api.CreateAlertAsync(TestAlerts.Alert(source, observables: [("domain", $"{Guid.NewGuid():N}.example"), ("ip", "198.51.100.23")]));
        var promoted = await api.PostAsync($"/api/v1/alerts/{alertId}/case", null).ExpectAsync(HttpStatusCode.Created);
        var (caseId, number) = (promoted.Id(), promoted.GetProperty("number").GetInt64());
        await api.PostAsJsonAsync($"/api/v1/cases/{caseId}/tasks", new { title = "Check the mailbox" }).ExpectAsync(HttpStatusCode.Created);
        await api.PostAsJsonAsync($"/api/v1/cases/{caseId}/comments", new { message = "**seen**" }).ExpectAsync(HttpStatusCode.Created);
        var userId = await Tenants.CreateUserAsync(api, Tenants.NewUsername(), "analyst");
        var indicatorId = (await api.PostAsJsonAsync("/api/v1/indicators", new { type = "url", value = $"http://{Guid.NewGuid():N}.example/login", tags = new[] { "phishing" }, source = "render test" })
            .ExpectAsync(HttpStatusCode.Created)).Id();
        await api.PostAsJsonAsync($"/api/v1/indicators/{indicatorId}/sightings", new { type = "seen", note = "in the proxy log" }).ExpectAsync(HttpStatusCode.Created);
        var feedId = (await api.PostAsJsonAsync("/api/v1/feeds", new { name = "render-" + Guid.NewGuid().ToString("N")[..8], format = "freetext", url = "/srv/feeds/none.txt", schedule = "@daily" })
            .ExpectAsync(HttpStatusCode.Created)).Id();

        string[] pages =
        [
            "/alerts", $"/alerts?source={source}", $"/alerts/{alertId}", "/cases", $"/cases/{caseId}",
            "/profile", "/admin", "/admin/users", $"/admin/users/{userId}", "/admin/organisations", "/admin/templates", "/admin/audit",
            "/admin/analyzers", "/admin/analyzers/virustotal", "/admin/analyzers/misp",
            "/intel/indicators", "/intel/indicators?type=url&warninglisted=false&state=active&tag=phishing", $"/intel/indicators/{indicatorId}",
            "/intel/indicators/new", "/intel/import", "/intel/feeds", $"/intel/feeds/{feedId}", "/intel/feeds/catalogue",
        ];
        foreach (var path in pages)
        {
            var response = await api.GetAsync(path);
            var html = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}\n{html[..Math.Min(html.Length, 2000)]}");
            Assert.DoesNotContain("class=\"error\" role=\"alert\"", html, StringComparison.Ordinal);
            Assert.Contains("<h1", html, StringComparison.Ordinal);
        }
        var byNumber = await api.GetAsync($"/cases/number/{number}");
        Assert.Equal(HttpStatusCode.Redirect, byNumber.StatusCode);
        Assert.EndsWith($"/cases/{caseId}", byNumber.Headers.Location?.AbsolutePath, StringComparison.Ordinal);
    }
}

public sealed class PageRenderTestsOnSqlite(SqliteServer server) : PageRenderTests(server), IClassFixture<SqliteServer>;

public sealed class PageRenderTestsOnPostgres(PostgresServer server) : PageRenderTests(server), IClassFixture<PostgresServer>;
