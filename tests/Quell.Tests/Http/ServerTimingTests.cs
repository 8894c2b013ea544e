using System.Globalization;
using System.Net;
using Quell.Tests.Support;

namespace Quell.Tests.Http;

public sealed class ServerTimingTests(SqliteServer server) : IClassFixture<SqliteServer>
{
    [Theory]
    [InlineData("/api/v1/alerts?limit=1", HttpStatusCode.OK)]
    [InlineData("/api/v1/alerts/987654321", HttpStatusCode.NotFound)]
    [InlineData("/api/v1/alerts?severity=9", HttpStatusCode.BadRequest)]
    public async Task Every_api_answer_says_how_long_the_server_took(string path, HttpStatusCode status)
    {
        using var client = server.Client();

        using var response = await client.GetAsync(path);

        Assert.Equal(status, response.StatusCode);
        var timing = Assert.Single(response.Headers.GetValues("Server-Timing"));
        Assert.StartsWith("app;dur=", timing, StringComparison.Ordinal);
        var ms = double.Parse(timing["app;dur=".Length..], CultureInfo.InvariantCulture);
        Assert.True(ms >= 0, timing);
    }
}
