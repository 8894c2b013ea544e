using System.Net;
using System.Text.Json;

namespace Quell.Tests.Support;

/// <summary>Assertions on RFC 9457 answers.</summary>
public static class Problem
{
    public const string MediaType = "application/problem+json";

    public static bool IsProblemJson(HttpResponseMessage response) =>
        response.Content.Headers.ContentType?.MediaType == MediaType;

    /// <summary>Asserts status, problem+json media type and a non-empty detail; returns the problem document.</summary>
    public static async Task<JsonElement> ExpectProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected} {expected}, got {(int)response.StatusCode}: {body}");
        Assert.True(IsProblemJson(response), $"expected {MediaType}, got '{response.Content.Headers.ContentType}': {body}");
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(Detail(problem)), $"the problem has no detail: {body}");
        return problem;
    }

    public static async Task<JsonElement> ExpectProblemAsync(this Task<HttpResponseMessage> response, HttpStatusCode expected) =>
        await (await response).ExpectProblemAsync(expected);

    public static string Detail(JsonElement problem) =>
        problem.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";

    /// <summary>The field names listed under `errors` of a validation problem.</summary>
    public static IReadOnlyList<string> Fields(JsonElement problem) =>
        problem.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object ? e.EnumerateObject().Select(p => p.Name).ToList() : [];
}
