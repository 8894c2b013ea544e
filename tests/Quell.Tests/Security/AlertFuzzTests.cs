using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Security;

/// <summary>
/// Thousands of hostile bodies against alert intake: never a 5xx, every 4xx a problem+json that says what is wrong,
/// and the audit chain still verifies afterwards. Replay a failure with QUELL_FUZZ_SEED=&lt;seed&gt;; QUELL_FUZZ_DUMP=&lt;folder&gt;
/// writes the bodies that failed there, to post them by hand.
/// </summary>
public abstract class AlertFuzzTests(TestServer server)
{
    const int DefaultSeed = 20_260_611;
    const int Cases = 3000; // including the deterministic every-field-every-kind cases

    static int Seed => int.TryParse(Environment.GetEnvironmentVariable("QUELL_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : DefaultSeed;

    [Fact]
    public async Task Thousands_of_hostile_alert_bodies_never_cause_a_server_error_and_always_get_a_precise_problem()
    {
        var seed = Seed;
        var cases = new AlertFuzz(seed).Generate(Cases);
        using var client = server.Client();
        client.Timeout = TimeSpan.FromMinutes(2);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var clock = Stopwatch.StartNew();

        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (c, ct) =>
        {
            var content = new ByteArrayContent(c.Body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await client.PostAsync(c.Path, content, ct);
            var status = (int)response.StatusCode;
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            var why = await CheckAsync(response);
            if (why is not null && Environment.GetEnvironmentVariable("QUELL_FUZZ_DUMP") is { Length: > 0 } dump)
            {
                Directory.CreateDirectory(dump);
                await File.WriteAllBytesAsync(System.IO.Path.Combine(dump, $"{seed}-{c.Index}{(c.Path.EndsWith("_bulk", StringComparison.Ordinal) ? "-bulk" : "")}.json"), c.Body, ct);
            }
            if (why is not null)
                failures.Add($"case {c.Index} ({c.Kind}) {c.Path} → {status}: {why}\n    body: {Preview(c.Body)}");
        });

        var summary = string.Join(", ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}×{kv.Value}"));
        Assert.True(failures.IsEmpty, $"seed {seed} (replay with QUELL_FUZZ_SEED={seed}); statuses {summary}; {failures.Count} failures, first ones:\n" +
            string.Join("\n", failures.OrderBy(f => int.Parse(f.Split(' ')[1], CultureInfo.InvariantCulture)).Take(15)));
        Assert.True(statuses.ContainsKey(201) && statuses.ContainsKey(400), $"seed {seed}: the mix should create alerts and reject bodies; statuses {summary}");

        var verify = await client.GetAsync("/api/v1/audit/verify").ExpectAsync(HttpStatusCode.OK);
        Assert.True(verify.GetProperty("valid").GetBoolean(), $"seed {seed}: audit chain broken after the fuzz run: {verify}");
        // Not asserted (the machine is shared), only reported when the test is run verbosely.
        Console.WriteLine($"fuzz seed {seed}: {cases.Count} cases in {clock.Elapsed.TotalSeconds:F1} s; statuses {summary}");
    }

    [Theory]
    [InlineData("/api/v1/alerts")]
    [InlineData("/api/v1/alerts/_bulk")]
    public async Task A_17_MB_body_is_a_413_problem(string path)
    {
        using var client = server.Client();
        var body = new byte[17 << 20];
        Array.Fill(body, (byte)' ');
        "{\"title\":\""u8.CopyTo(body);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var problem = await (await client.PostAsync(path, content)).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("larger than", Problem.Detail(problem));
    }

    /// <summary>Null when the answer is acceptable, otherwise what is wrong with it.</summary>
    static async Task<string?> CheckAsync(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        if (status >= 500)
            return "server error: " + Short(text);
        if (status is 200 or 201)
            return null;
        if (status is < 400 or > 499)
            return "unexpected status: " + Short(text);
        if (!Problem.IsProblemJson(response))
            return $"not problem+json ('{response.Content.Headers.ContentType}'): {Short(text)}";
        try
        {
            using var doc = JsonDocument.Parse(text);
            return string.IsNullOrWhiteSpace(Problem.Detail(doc.RootElement)) ? "problem without detail: " + Short(text) : null;
        }
        catch (JsonException e)
        {
            return "problem is not JSON: " + e.Message;
        }
    }

    static string Preview(byte[] body)
    {
        var s = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 400)).ReplaceLineEndings(" ");
        return body.Length > 400 ? $"{s}… ({body.Length} bytes)" : s;
    }

    static string Short(string s) => s.Length <= 400 ? s : s[..400] + "…";
}

public sealed class AlertFuzzTestsOnSqlite(SqliteServer server) : AlertFuzzTests(server), IClassFixture<SqliteServer>;

public sealed class AlertFuzzTestsOnPostgres(PostgresServer server) : AlertFuzzTests(server), IClassFixture<PostgresServer>;
