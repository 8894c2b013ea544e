using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Quell.Bench;

public sealed record LatencyOptions(Uri Url, string Key, int Iterations, int Warmup, string Label, string? Json)
{
    public static LatencyOptions Parse(string[] args)
    {
        string? Get(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new LatencyOptions(
            new Uri(Get("--url") ?? "http://127.0.0.1:5080"),
            Get("--key") ?? Environment.GetEnvironmentVariable("QUELL_API_KEY") ?? throw new ArgumentException("--key (or QUELL_API_KEY) is required"),
            Int("--iterations", 500), Int("--warmup", 50), Get("--label") ?? "", Get("--json"));
    }
}

/// <summary>One measured request shape; <see cref="Path"/> gets the iteration number so it can rotate over sample values.</summary>
public sealed record Scenario(string Name, Func<int, string> Path);

public sealed record LatencyResult(string Label, string Scenario, int N, int Errors, double ClientP50, double ClientP95, double ClientP99, double ClientMax,
    double ServerP50, double ServerP95, double ServerP99);

/// <summary>
/// Sequential requests (one analyst at a time, keep-alive, loopback) against a running `quell serve`: the time an
/// analyst waits per click. Client time is measured around the full response body; server time is read from the
/// Server-Timing header. Sample values (observables, tags, title words, case ids) come from the data itself.
/// </summary>
public static class LatencyBench
{
    const string Queue = "/api/v1/alerts?status=new&severity=3,4&sort=-date&limit=50";

    public static async Task<int> RunAsync(LatencyOptions o)
    {
        using var http = new HttpClient { BaseAddress = o.Url, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", o.Key);
        var sample = await Sample.CollectAsync(http);
        Console.WriteLine($"# {o.Label}: sample of {sample.Observables.Count} observables, {sample.Tags.Count} tags, {sample.Words.Count} title words, case ids 1..{sample.MaxCaseId}");

        var page100 = await WalkAsync(http, Queue, 99);
        var rng = new Random(1);
        var caseIds = Enumerable.Range(0, o.Iterations + o.Warmup).Select(_ => rng.NextInt64(1, sample.MaxCaseId + 1)).ToArray();
        string[] caseStatuses = ["new", "in-progress", "resolved"];
        var scenarios = new List<Scenario>
        {
            new("queue: status=new, severity=3,4, sort=-date, page 1", _ => Queue),
            new("queue: same filter, page 100 (keyset cursor)", _ => page100),
            new("alerts by observable value", i => $"/api/v1/alerts?observable={Uri.EscapeDataString(sample.Observables[i % sample.Observables.Count])}&limit=50"),
            new("alerts by tag, sort=-date", i => $"/api/v1/alerts?tag={Uri.EscapeDataString(sample.Tags[i % sample.Tags.Count])}&limit=50"),
            new("cases: q= title word", i => $"/api/v1/cases?q={Uri.EscapeDataString(sample.Words[i % sample.Words.Count])}&limit=50"),
            new("cases: by status", i => $"/api/v1/cases?status={caseStatuses[i % caseStatuses.Length]}&limit=50"),
            new("case by id (observables, tasks, alerts)", i => $"/api/v1/cases/{caseIds[i]}"),
        };

        var results = new List<LatencyResult>();
        foreach (var s in scenarios)
            results.Add(await MeasureAsync(http, o, s));

        Print(o.Label, results);
        if (o.Json is not null)
            await File.WriteAllTextAsync(o.Json, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
        return results.Any(r => r.Errors > 0) ? 1 : 0;
    }

    static async Task<LatencyResult> MeasureAsync(HttpClient http, LatencyOptions o, Scenario s)
    {
        var client = new List<double>(o.Iterations);
        var server = new List<double>(o.Iterations);
        var errors = 0;
        for (var i = 0; i < o.Warmup + o.Iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync(s.Path(i), HttpCompletionOption.ResponseContentRead);
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (i < o.Warmup)
                continue;
            if (!response.IsSuccessStatusCode)
                errors++;
            client.Add(elapsed);
            if (response.Headers.TryGetValues("Server-Timing", out var values) && ParseServerTiming(values.First()) is { } ms)
                server.Add(ms);
        }
        client.Sort();
        server.Sort();
        return new LatencyResult(o.Label, s.Name, client.Count, errors, P(client, 50), P(client, 95), P(client, 99), client[^1],
            P(server, 50), P(server, 95), P(server, 99));
    }

    /// <summary>Nearest-rank percentile of sorted values (NaN when there are none).</summary>
    static double P(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    static double? ParseServerTiming(string header)
    {
        var i = header.IndexOf("dur=", StringComparison.Ordinal);
        return i >= 0 && double.TryParse(header[(i + 4)..].Split(',', ';')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) ? ms : null;
    }

    /// <summary>Follows the keyset cursor <paramref name="pages"/> times and returns the URL of the page after them.</summary>
    static async Task<string> WalkAsync(HttpClient http, string path, int pages)
    {
        var url = path;
        for (var i = 0; i < pages; i++)
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync(url));
            if (doc.RootElement.GetProperty("next").GetString() is not { } next)
                throw new InvalidOperationException($"{path} has only {i + 1} pages; seed more alerts (quell dev seed)");
            url = $"{path}&cursor={next}";
        }
        return url;
    }

    static void Print(string label, List<LatencyResult> results)
    {
        Console.WriteLine();
        Console.WriteLine($"| store | query | n | client p50 | client p95 | client p99 | server p50 | server p95 | server p99 |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {label} | {r.Scenario}{(r.Errors > 0 ? $" ({r.Errors} errors)" : "")} | {r.N} | {r.ClientP50:0.0} | {r.ClientP95:0.0} | {r.ClientP99:0.0} | {r.ServerP50:0.0} | {r.ServerP95:0.0} | {r.ServerP99:0.0} |"));
    }
}
