using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Quell.Enrichment;
using Quell.Jobs;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Enrichment;

/// <summary>
/// A Quell server whose analyze jobs are picked up quickly and give up after two attempts, with small size limits so
/// "huge body" tests stay small.
/// </summary>
public abstract class EnrichmentServer : TestServer
{
    public const int MaxResponseBytes = 256 * 1024;
    public const int MaxFullBytes = 16 * 1024;

    /// <summary>Files:MaxBytes, small so that "too large" uploads stay small.</summary>
    public const int MaxFileBytes = 64 * 1024;

    protected override void Configure(WebApplicationBuilder builder)
    {
        builder.Services.Configure<JobWorkerOptions>(o => o.PollInterval = TimeSpan.FromMilliseconds(100));
        builder.Services.Configure<EnrichmentOptions>(o =>
        {
            o.MaxAttempts = 2;
            o.MaxResponseBytes = MaxResponseBytes;
            o.MaxFullBytes = MaxFullBytes;
            o.MaxWait = TimeSpan.FromSeconds(60);
        });
        builder.Services.Configure<Quell.Files.FileOptions>(o => o.MaxBytes = MaxFileBytes);
    }
}

public sealed class EnrichmentSqliteServer : EnrichmentServer
{
    public override Dialect Dialect => Dialect.Sqlite;
}

public sealed class EnrichmentPostgresServer : EnrichmentServer
{
    public override Dialect Dialect => Dialect.Postgres;
}

/// <summary>Helpers: alerts with one observable, analyze, configure.</summary>
public static class EnrichmentApi
{
    /// <summary>Creates an alert with one observable and returns the observable's id.</summary>
    public static async Task<long> ObservableAsync(this HttpClient client, string type, string data, string tlp = "AMBER", string pap = "AMBER")
    {
        var alert = TestAlerts.Alert(TestAlerts.NewSource(), observables: (type, data));
        alert["tlp"] = tlp;
        alert["pap"] = pap;
        var id = await client.CreateAlertAsync(alert);
        var view = await client.GetAsync($"/api/v1/alerts/{id}").ExpectAsync(System.Net.HttpStatusCode.OK);
        return view.GetProperty("observables")[0].GetProperty("id").GetInt64();
    }

    public static Task<HttpResponseMessage> ConfigureAsync(this HttpClient client, string name, object settings) =>
        client.PutAsJsonAsync($"/api/v1/analyzers/{name}", settings);

    /// <summary>Analyzes with wait=true and returns the report of <paramref name="analyzer"/>.</summary>
    public static async Task<JsonElement> AnalyzeAsync(this HttpClient client, long observableId, string analyzer)
    {
        var answer = await client.PostAsync($"/api/v1/observables/{observableId}/analyze?wait=true", null).ExpectAsync(System.Net.HttpStatusCode.OK);
        return answer.GetProperty("reports").EnumerateArray().Single(r => r.GetProperty("analyzer").GetString() == analyzer);
    }

    /// <summary>The newest report of <paramref name="analyzer"/> on the observable, as it is now (pending or ended).</summary>
    public static async Task<JsonElement> ReportOfAsync(this HttpClient client, long observableId, string analyzer) =>
        (await client.GetAsync($"/api/v1/observables/{observableId}/reports").ExpectAsync(System.Net.HttpStatusCode.OK))
            .GetProperty("reports").EnumerateArray().Single(r => r.GetProperty("analyzer").GetString() == analyzer);

    /// <summary>The artifacts of a report as (dataType, data) pairs.</summary>
    public static List<(string?, string?)> ArtifactPairs(this JsonElement report) =>
        report.GetProperty("artifacts").EnumerateArray().Select(a => (a.GetProperty("dataType").GetString(), a.GetProperty("data").GetString())).ToList();

    public static string Level(this JsonElement report) => report.GetProperty("level").GetString()!;
    public static string Status(this JsonElement report) => report.GetProperty("status").GetString()!;
    public static string Reason(this JsonElement report) => report.GetProperty("reason").GetString()!;
}
