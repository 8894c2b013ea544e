using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Quell.Tests.Support;

/// <summary>Builds alert bodies in TheHive's shape and posts them; each test uses its own source so lists stay its own.</summary>
public static class TestAlerts
{
    public static string NewSource() => "src-" + Guid.NewGuid().ToString("N")[..10];

    public static Dictionary<string, object?> Alert(string source, string? sourceRef = null, int severity = 2, string? title = null,
        object? date = null, string[]? tags = null, params (string Type, string Data)[] observables) => new()
        {
            ["type"] = "siem",
            ["source"] = source,
            ["sourceRef"] = sourceRef ?? Guid.NewGuid().ToString("N"),
            ["title"] = title ?? "Alert " + Guid.NewGuid().ToString("N")[..6],
            ["severity"] = severity,
            ["date"] = date,
            ["tags"] = tags ?? [],
            ["observables"] = observables.Select(o => new { dataType = o.Type, data = o.Data }).ToArray(),
        };

    public static async Task<JsonElement> PostAlertAsync(this HttpClient client, object alert, HttpStatusCode expected = HttpStatusCode.Created) =>
        await client.PostAsJsonAsync("/api/v1/alerts", alert).ExpectAsync(expected);

    public static async Task<long> CreateAlertAsync(this HttpClient client, object alert) =>
        (await client.PostAlertAsync(alert)).GetProperty("id").GetInt64();

    public static async Task<JsonElement> BulkAsync(this HttpClient client, object body, HttpStatusCode expected = HttpStatusCode.OK) =>
        await client.PostAsJsonAsync("/api/v1/alerts/_bulk", body).ExpectAsync(expected);

    /// <summary>All alerts of a query, following the cursor.</summary>
    public static async Task<List<JsonElement>> ListAllAsync(this HttpClient client, string query)
    {
        var items = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await client.GetAsync($"/api/v1/alerts?{query}{(cursor is null ? "" : "&cursor=" + cursor)}").ExpectAsync(HttpStatusCode.OK);
            items.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("next").GetString();
        }
        while (cursor is not null);
        return items;
    }

    public static async Task<long[]> IdsAsync(this HttpClient client, string query) =>
        (await client.ListAllAsync(query)).Select(a => a.GetProperty("id").GetInt64()).Order().ToArray();

    public static string[] Strings(this JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    public static (string Type, string Data)[] Observables(this JsonElement owner) =>
        owner.GetProperty("observables").EnumerateArray()
            .Select(o => (o.GetProperty("dataType").GetString()!, o.GetProperty("data").GetString()!))
            .Order().ToArray();
}
