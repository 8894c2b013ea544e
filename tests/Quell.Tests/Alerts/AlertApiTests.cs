using System.Net;
using Quell.Tests.Support;

namespace Quell.Tests.Alerts;

public abstract class AlertApiTests(TestServer server)
{
    const string Alert = """
        {"type":"siem","source":"splunk","sourceRef":"REF","title":"Suspicious login","severity":3,"tlp":"AMBER",
         "observables":[{"dataType":"ip","data":"203.0.113.7"},{"dataType":"domain","data":"Evil.Example"}]}
        """;

    [Fact]
    public async Task Reposting_same_source_ref_updates_alert_and_merges_observables()
    {
        using var client = server.Client();
        var sourceRef = Guid.NewGuid().ToString("N");
        var created = await client.PostJsonAsync("/api/v1/alerts", Alert.Replace("REF", sourceRef)).ExpectAsync(HttpStatusCode.Created);
        var updatedBody = Alert.Replace("REF", sourceRef).Replace("\"203.0.113.7\"}", "\"203.0.113.7\"},{\"dataType\":\"hash\",\"data\":\"ABCDEF01\"}");
        var updated = await client.PostJsonAsync("/api/v1/alerts", updatedBody).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(created.GetProperty("id").GetInt64(), updated.GetProperty("id").GetInt64());
        var observables = updated.GetProperty("observables").EnumerateArray().Select(o => o.GetProperty("data").GetString()).ToList();
        Assert.Equal(["203.0.113.7", "evil.example", "abcdef01"], observables);
    }

    [Fact]
    public async Task Invalid_severity_and_tlp_are_named_and_nothing_is_written()
    {
        using var client = server.Client();
        var sourceRef = Guid.NewGuid().ToString("N");
        var body = Alert.Replace("REF", sourceRef).Replace("\"severity\":3", "\"severity\":9").Replace("\"AMBER\"", "\"PURPLE\"");
        var problem = await client.PostJsonAsync("/api/v1/alerts", body).ExpectAsync(HttpStatusCode.BadRequest);

        Assert.Contains("severity must be 1-4", problem.GetProperty("detail").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("tlp", out _));
        // q searches titles, so look for the sourceRef itself among the source's alerts.
        var list = await client.ListAllAsync("source=splunk");
        Assert.DoesNotContain(list, a => a.GetProperty("sourceRef").GetString() == sourceRef);
    }
}

public sealed class AlertApiTestsOnSqlite(SqliteServer server) : AlertApiTests(server), IClassFixture<SqliteServer>;

public sealed class AlertApiTestsOnPostgres(PostgresServer server) : AlertApiTests(server), IClassFixture<PostgresServer>;
