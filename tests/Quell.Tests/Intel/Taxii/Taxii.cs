using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Quell.Intel.Taxii;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Taxii;

/// <summary>Helpers for talking TAXII 2.1 to the test server: the media type, envelopes, STIX objects, collections.</summary>
static class Taxii
{
    public const string MediaType = "application/taxii+json;version=2.1";

    /// <summary>A client of <paramref name="server"/> with the API key as Bearer token and the TAXII Accept header.</summary>
    public static HttpClient Client(TestServer server, string key)
    {
        var client = server.Client(key);
        client.DefaultRequestHeaders.Accept.ParseAdd(MediaType);
        return client;
    }

    public static async Task<string> CreateCollectionAsync(HttpClient admin, string[]? canRead = null, string[]? canWrite = null)
    {
        var created = await admin.PostAsJsonAsync("/api/v1/taxii/collections", new
        {
            title = "col-" + Guid.NewGuid().ToString("N")[..10],
            canRead = canRead ?? ["read-only", "analyst", "approver", "admin"],
            canWrite = canWrite ?? ["analyst", "approver", "admin"],
        }).ExpectAsync(HttpStatusCode.Created);
        return created.GetProperty("taxiiId").GetString()!;
    }

    public static string Objects(string collection) => $"/taxii2/api/collections/{collection}/objects/";

    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string collection, string body, string contentType = MediaType)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return client.PostAsync(Objects(collection), content);
    }

    public static string Envelope(params object[] objects) => JsonSerializer.Serialize(new { objects });

    public static object Indicator(string id, string pattern, string modified = "2026-11-01T10:00:00.000Z") => new
    {
        type = "indicator",
        spec_version = "2.1",
        id,
        created = "2026-11-01T10:00:00.000Z",
        modified,
        name = "posted",
        pattern,
        pattern_type = "stix",
        valid_from = "2026-11-01T10:00:00Z",
    };

    public static object Identity(string id) => new
    {
        type = "identity",
        spec_version = "2.1",
        id,
        created = "2026-11-01T10:00:00.000Z",
        modified = "2026-11-01T10:00:00.000Z",
        name = "Partner CERT",
        identity_class = "organization",
    };

    public static string NewId(string type) => $"{type}--{Guid.NewGuid()}";

    /// <summary>Asserts a TAXII error message with <paramref name="status"/>: the media type, title, description and http_status.</summary>
    public static async Task<JsonElement> ExpectErrorAsync(this Task<HttpResponseMessage> response, HttpStatusCode status)
    {
        using var r = await response;
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == status, $"expected {(int)status}, got {(int)r.StatusCode}: {body}");
        Assert.Equal(MediaType, r.Content.Headers.ContentType?.ToString().Replace(" ", ""));
        var error = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), error.GetProperty("http_status").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("description").GetString()), body);
        return error;
    }

    public static bool IsTaxiiError(HttpResponseMessage r) => r.Content.Headers.ContentType?.MediaType == "application/taxii+json";

    /// <summary>The ids of an envelope's objects, in order.</summary>
    public static List<string> Ids(JsonElement envelope) =>
        [.. envelope.GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("id").GetString()!)];

    public static string Description(JsonElement error) => error.GetProperty("description").GetString()!;

    public static readonly string IndicatorsCollection = TaxiiCollection.IndicatorsUuid;
}
