using System.Net;
using System.Text.Json;

namespace Quell.Tests.Support;

/// <summary>Shortcuts for case tests: make a case, read it, read its timeline.</summary>
public static class CaseApi
{
    /// <summary>Creates a case; <paramref name="extraJson"/> is spliced into the body, e.g. <c>"severity":3</c>.</summary>
    public static async Task<JsonElement> CreateCaseAsync(this HttpClient client, string title = "Phishing report", string? extraJson = null)
    {
        var body = "{\"title\":" + JsonSerializer.Serialize(title) + (extraJson is null ? "" : "," + extraJson) + "}";
        return await client.PostJsonAsync("/api/v1/cases", body).ExpectAsync(HttpStatusCode.Created);
    }

    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString()!;

    public static async Task<JsonElement> GetCaseAsync(this HttpClient client, long id) =>
        await client.GetAsync($"/api/v1/cases/{id}").ExpectAsync(HttpStatusCode.OK);

    /// <summary>The timeline's entries of the given kind (all entries when null), oldest first.</summary>
    public static async Task<List<JsonElement>> TimelineAsync(this HttpClient client, long caseId, string? kind = null)
    {
        var page = await client.GetAsync($"/api/v1/cases/{caseId}/timeline?limit=500").ExpectAsync(HttpStatusCode.OK);
        return page.GetProperty("items").EnumerateArray().Where(e => kind is null || e.Str("kind") == kind).ToList();
    }

    /// <summary>The field names of a validation problem's errors.</summary>
    public static string[] ErrorFields(this JsonElement problem) =>
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray();
}
