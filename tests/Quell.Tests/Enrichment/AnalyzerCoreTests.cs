using Quell.Enrichment;
using Quell.Enrichment.Analyzers;

namespace Quell.Tests.Enrichment;

/// <summary>The pure parts: VirusTotal's URL id, rate limit rules, level order.</summary>
public sealed class AnalyzerCoreTests
{
    [Theory]
    // The example of VirusTotal's documentation ("URL identifiers"), and one whose base64 has '+', '/' and padding.
    [InlineData("http://www.somedomain.com/this/is/my/url", "aHR0cDovL3d3dy5zb21lZG9tYWluLmNvbS90aGlzL2lzL215L3VybA")]
    [InlineData("http://a.example/?>>>", "aHR0cDovL2EuZXhhbXBsZS8_Pj4-")]
    public void A_virustotal_url_id_is_unpadded_base64url(string url, string id) =>
        Assert.Equal(id, VirusTotalAnalyzer.UrlId(url));

    [Fact]
    public void Rate_limits_parse_with_their_units_and_refuse_the_rest()
    {
        var limit = RateLimit.Parse(" 4/min , 500/day,2/s, 10/hour", out var error);
        Assert.Null(error);
        Assert.Equal("4/min, 500/day, 2/s, 10/hour", limit!.ToString());
        Assert.Equal(TimeSpan.FromDays(1), limit.Longest);
        Assert.Empty(RateLimit.Parse("", out _)!.Rules);
        foreach (var bad in new[] { "4", "0/min", "-1/min", "4/week", "x/min", "4 per min" })
        {
            Assert.Null(RateLimit.Parse(bad, out var e));
            Assert.Contains("4/min", e);
        }
    }

    [Fact]
    public void The_worst_level_wins() =>
        Assert.Equal("malicious,suspicious,safe,info,(none)",
            string.Join(",", new[] { new[] { "info", "malicious", "safe" }, ["safe", "suspicious"], ["safe", "info"], ["info"], [] }.Select(l => Levels.Worst(l) ?? "(none)")));
}
