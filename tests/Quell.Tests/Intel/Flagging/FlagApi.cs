using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Flagging;

/// <summary>Shortcuts for flagging tests: store an indicator, read an observable's intel, wait for the background flagger.</summary>
public static class FlagApi
{
    /// <summary>A domain no other test uses (".example" is on no warninglist).</summary>
    public static string NewDomain() => $"f{Guid.NewGuid():N}"[..20] + ".example";

    /// <summary>A public /24 (not on the built-in list of reserved addresses) no other test is likely to use, as "a.b.c".</summary>
    public static string NewNet() => $"91.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}";

    public static async Task<long> AddIndicatorAsync(this HttpClient client, string type, string value, string source = "flag-test") =>
        (await client.PostAsJsonAsync("/api/v1/indicators", new { type, value, source }).ExpectAsync(HttpStatusCode.Created)).Id();

    /// <summary>The intel of the owner's observable holding <paramref name="data"/> (null when the answer has none).</summary>
    public static JsonElement? IntelOf(JsonElement owner, string data)
    {
        var observable = owner.GetProperty("observables").EnumerateArray().Single(o => o.GetProperty("data").GetString() == data);
        return observable.TryGetProperty("intel", out var intel) ? intel : null;
    }

    /// <summary>GETs <paramref name="path"/> (an alert or a case) until its observable holding <paramref name="data"/> has intel; returns the owner.</summary>
    public static Task<JsonElement> WaitForIntelAsync(this HttpClient client, string path, string data) =>
        Eventually.UntilAsync<JsonElement>(async () =>
        {
            var owner = await client.GetAsync(path).ExpectAsync(HttpStatusCode.OK);
            return IntelOf(owner, data) is { } intel && intel.GetArrayLength() > 0 ? owner : null;
        }, $"intel on {data} in {path}");

    /// <summary>The one intel match of the observable holding <paramref name="data"/>.</summary>
    public static JsonElement SingleIntel(JsonElement owner, string data) => Assert.Single(IntelOf(owner, data)!.Value.EnumerateArray());

    public static long IndicatorId(this JsonElement intel) => intel.GetProperty("indicatorId").GetInt64();

    public static string MatchKind(this JsonElement intel) => intel.GetProperty("matchKind").GetString()!;
}
