using System.Net;
using Quell.Tests.Support;

namespace Quell.Tests.Api;

public sealed class OpenApiTests(SqliteServer server) : IClassFixture<SqliteServer>
{
    [Fact]
    public async Task OpenApi_document_is_public_and_lists_the_contract_endpoints()
    {
        using var anonymous = server.Client(apiKey: null);
        var doc = await anonymous.GetAsync("/openapi/v1.json").ExpectAsync(HttpStatusCode.OK);
        var paths = doc.GetProperty("paths");
        foreach (var path in new[] { "/healthz", "/api/v1/alerts", "/api/v1/alerts/{id}", "/api/v1/alerts/{id}/case", "/api/v1/cases/{id}", "/api/v1/audit/verify" })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
    }

    [Fact]
    public async Task Reference_page_and_its_script_are_served_without_credentials()
    {
        using var anonymous = server.Client(apiKey: null);
        var page = await anonymous.GetStringAsync("/api/docs/");
        Assert.Contains("scalar.js", page);
        var script = await anonymous.GetAsync("/api/docs/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }
}
