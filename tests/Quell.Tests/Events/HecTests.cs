using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Quell.Events;
using Quell.Tests.Support;

namespace Quell.Tests.Events;

/// <summary>The Splunk HEC receiver, ingest tokens and the event search, over HTTP against a real server.</summary>
public abstract class HecTests(TestServer server)
{
    async Task<string> CreateTokenAsync(string source, int? retentionDays = null)
    {
        using var admin = server.Client();
        var r = await admin.PostAsJsonAsync("/api/v1/ingest-tokens", new { name = "t-" + source, source, retentionDays });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        return (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    HttpClient Hec(string? authorization)
    {
        var c = new HttpClient { BaseAddress = server.BaseAddress };
        if (authorization is not null)
            c.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        return c;
    }

    static async Task<JsonElement> Reply(HttpResponseMessage r, HttpStatusCode status)
    {
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == status, $"expected {(int)status}, got {(int)r.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    async Task<JsonElement> SearchAsync(string query)
    {
        using var c = server.Client();
        var r = await c.GetAsync("/api/v1/events?" + query);
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    static async Task<(int Exit, string Output)> CurlAsync(params string[] args)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-sS", .. args])
            start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, output);
    }

    [Fact]
    public async Task Curl_posts_concatenated_events_and_they_are_searchable_under_the_tokens_source()
    {
        var source = "fw-" + Guid.NewGuid().ToString("N")[..6];
        var token = await CreateTokenAsync(source);
        var body = """
            {"time": 1764324000.5, "host": "fw01", "sourcetype": "_json", "event": {"src_ip": "198.51.100.23", "action": "deny", "marker": "MARK1"}}
            {"event": "plain text line MARK1 from 198.51.100.24", "fields": {"zone": "dmz"}}
            """;
        var (exit, output) = await CurlAsync("-H", "Authorization: Splunk " + token, "--data-binary", body, new Uri(server.BaseAddress, "/services/collector/event").ToString());
        Assert.Equal(0, exit);
        Assert.Equal("""{"text":"Success","code":0}""", output);

        var found = await SearchAsync("q=" + Uri.EscapeDataString($"MARK1 related.ip:198.51.100.23"));
        var item = Assert.Single(found.GetProperty("items").EnumerateArray());
        Assert.Equal(source, item.GetProperty("source").GetString());
        Assert.Equal("2025-11-28T10:00:00.5000000+00:00", item.GetProperty("time").GetString());
        Assert.Equal("fw01", item.GetProperty("fields").GetProperty("host.name").GetString());
        Assert.Equal("deny", item.GetProperty("fields").GetProperty("action").GetString());
        var text = Assert.Single((await SearchAsync("q=" + Uri.EscapeDataString("zone:dmz MARK1"))).GetProperty("items").EnumerateArray());
        Assert.Equal("plain text line MARK1 from 198.51.100.24", text.GetProperty("raw").GetString());
    }

    [Fact]
    public async Task Bad_tokens_get_Splunks_documented_replies()
    {
        var token = await CreateTokenAsync("revoked-" + Guid.NewGuid().ToString("N")[..6]);
        const string body = """{"event":"x"}""";
        using (var c = Hec(null))
            Assert.Equal(2, (await Reply(await c.PostAsync("/services/collector/event", new StringContent(body)), HttpStatusCode.Unauthorized)).GetProperty("code").GetInt32());
        using (var c = Hec("Bearer " + token))
            Assert.Equal(3, (await Reply(await c.PostAsync("/services/collector/event", new StringContent(body)), HttpStatusCode.Unauthorized)).GetProperty("code").GetInt32());
        using (var c = Hec("Splunk not-a-token"))
        {
            var reply = await Reply(await c.PostAsync("/services/collector/event", new StringContent(body)), HttpStatusCode.Forbidden);
            Assert.Equal(4, reply.GetProperty("code").GetInt32());
            Assert.Equal("Invalid token", reply.GetProperty("text").GetString());
        }
        using var admin = server.Client();
        var list = await admin.GetFromJsonAsync<JsonElement>("/api/v1/ingest-tokens");
        var id = list.GetProperty("items").EnumerateArray().Single(t => token.StartsWith(t.GetProperty("prefix").GetString()!, StringComparison.Ordinal) && t.GetProperty("revokedAt").ValueKind == JsonValueKind.Null).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/ingest-tokens/{id}")).StatusCode);
        using (var c = Hec("Splunk " + token))
            Assert.Equal(1, (await Reply(await c.PostAsync("/services/collector/event", new StringContent(body)), HttpStatusCode.Forbidden)).GetProperty("code").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync("/api/v1/ingest-tokens/999999")).StatusCode);
    }

    [Fact]
    public async Task Bad_bodies_get_Splunks_error_codes_and_store_nothing()
    {
        var source = "bad-" + Guid.NewGuid().ToString("N")[..6];
        using var c = Hec("Splunk " + await CreateTokenAsync(source));
        Assert.Equal(5, (await Reply(await c.PostAsync("/services/collector/event", new StringContent("")), HttpStatusCode.BadRequest)).GetProperty("code").GetInt32());
        Assert.Equal(5, (await Reply(await c.PostAsync("/services/collector/event", new StringContent("  \n")), HttpStatusCode.BadRequest)).GetProperty("code").GetInt32());
        var invalid = await Reply(await c.PostAsync("/services/collector/event", new StringContent("""{"event":{"m":"BADBODY"}} {"event": oops}""")), HttpStatusCode.BadRequest);
        Assert.Equal(6, invalid.GetProperty("code").GetInt32());
        Assert.Equal(1, invalid.GetProperty("invalid-event-number").GetInt32());
        var missing = await Reply(await c.PostAsync("/services/collector/event", new StringContent("""{"event":"BADBODY"}{"time":1}""")), HttpStatusCode.BadRequest);
        Assert.Equal(12, missing.GetProperty("code").GetInt32());
        Assert.Equal(1, missing.GetProperty("invalid-event-number").GetInt32());
        Assert.Equal(13, (await Reply(await c.PostAsync("/services/collector/event", new StringContent("""{"event":""}""")), HttpStatusCode.BadRequest)).GetProperty("code").GetInt32());
        Assert.Equal(6, (await Reply(await c.PostAsync("/services/collector/event", new StringContent("""[{"event":"BADBODY"}]""")), HttpStatusCode.BadRequest)).GetProperty("code").GetInt32());
        Assert.Equal(6, (await Reply(await c.PostAsync("/services/collector/event", new StringContent("""{"event":"BADBODY","time":"soon"}""")), HttpStatusCode.BadRequest)).GetProperty("code").GetInt32());
        var huge = new ByteArrayContent(new byte[17 << 20]);
        var tooLarge = await c.PostAsync("/services/collector/event", huge);
        Assert.True(tooLarge.StatusCode is HttpStatusCode.RequestEntityTooLarge, $"{tooLarge.StatusCode}");
        Assert.Empty((await SearchAsync("q=BADBODY")).GetProperty("items").EnumerateArray());
    }

    /// <summary>A body sent without Content-Length, so the receiver cannot size its buffer up front.</summary>
    sealed class ChunkedContent(byte[] bytes) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var at = 0; at < bytes.Length; at += 7_000)
                await stream.WriteAsync(bytes.AsMemory(at, Math.Min(7_000, bytes.Length - at)));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task Chunked_bodies_are_read_whole_and_refused_past_the_limit()
    {
        var source = "chunked-" + Guid.NewGuid().ToString("N")[..6];
        var marker = "CHUNKED" + Guid.NewGuid().ToString("N")[..8];
        using var c = Hec("Splunk " + await CreateTokenAsync(source));
        // 400 events of ~150 bytes: the body outgrows the first buffer several times while it is read.
        var body = string.Concat(Enumerable.Range(0, 400).Select(i => $$$"""{"event":{"m":"{{{marker}}} {{{i}}} {{{new string('x', 100)}}}"}}""" + "\n"));
        var ok = await c.PostAsync("/services/collector/event", new ChunkedContent(Encoding.UTF8.GetBytes(body)));
        Assert.Equal(0, (await Reply(ok, HttpStatusCode.OK)).GetProperty("code").GetInt32());
        Assert.Equal(400, (await SearchAsync("limit=1000&q=" + marker)).GetProperty("items").GetArrayLength());

        var over = new byte[(16 << 20) + 1];
        over.AsSpan().Fill((byte)' ');
        var tooLarge = await c.PostAsync("/services/collector/event", new ChunkedContent(over));
        Assert.True(tooLarge.StatusCode is HttpStatusCode.RequestEntityTooLarge, $"{tooLarge.StatusCode}");
    }

    [Fact]
    public async Task Raw_endpoint_stores_one_event_per_line_with_the_query_metadata()
    {
        using var c = Hec("Splunk " + await CreateTokenAsync("raw-" + Guid.NewGuid().ToString("N")[..6]));
        var r = await c.PostAsync("/services/collector/raw?host=rawhost&sourcetype=syslog", new StringContent("RAWLINE one\r\nRAWLINE two\n\n"));
        Assert.Equal(0, (await Reply(r, HttpStatusCode.OK)).GetProperty("code").GetInt32());
        var items = (await SearchAsync("q=" + Uri.EscapeDataString("RAWLINE host.name:rawhost"))).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["RAWLINE two", "RAWLINE one"], items.Select(i => i.GetProperty("raw").GetString()));
    }

    [Fact]
    public async Task Search_pages_with_the_cursor_and_rejects_bad_parameters()
    {
        using var c = server.Client();
        var marker = "PAGE" + Guid.NewGuid().ToString("N")[..6];
        var ndjson = string.Join("\n", Enumerable.Range(0, 25).Select(i => $$"""{"@timestamp":"2025-03-01T10:{{i:00}}:00Z","m":"{{marker}}","i":{{i}}}"""));
        var posted = await c.PostAsync("/api/v1/events?source=api-test", new StringContent(ndjson));
        Assert.Equal(25, (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32());
        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var page = await SearchAsync($"q={marker}&limit=10" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("fields").GetProperty("i").GetInt64()));
            cursor = page.GetProperty("next").GetString();
        } while (cursor is not null);
        Assert.Equal(Enumerable.Range(0, 25).Reverse().Select(i => (long)i), seen);
        Assert.Equal(5, (await SearchAsync($"q={marker}&from=2025-03-01T10:10:00Z&to=2025-03-01T10:14:00Z")).GetProperty("items").GetArrayLength());

        Assert.Contains("q", Problem.Fields(await c.GetAsync("/api/v1/events?q=" + Uri.EscapeDataString("a:\"open")).ExpectProblemAsync(HttpStatusCode.BadRequest)));
        Assert.Contains("q", Problem.Fields(await c.GetAsync("/api/v1/events?q=" + Uri.EscapeDataString(":x")).ExpectProblemAsync(HttpStatusCode.BadRequest)));
        Assert.Contains("from", Problem.Fields(await c.GetAsync("/api/v1/events?from=yesterday").ExpectProblemAsync(HttpStatusCode.BadRequest)));
        Assert.Contains("to", Problem.Fields(await c.GetAsync("/api/v1/events?to=x").ExpectProblemAsync(HttpStatusCode.BadRequest)));
        Assert.Contains("cursor", Problem.Fields(await c.GetAsync("/api/v1/events?cursor=zzz").ExpectProblemAsync(HttpStatusCode.BadRequest)));
        Assert.Contains("limit", Problem.Fields(await c.GetAsync("/api/v1/events?limit=0").ExpectProblemAsync(HttpStatusCode.BadRequest)));
    }

    [Fact]
    public async Task Api_ingest_names_the_lines_of_bad_events_and_stores_none_of_the_batch()
    {
        using var c = server.Client();
        var marker = "NOPE" + Guid.NewGuid().ToString("N")[..6];
        var problem = await c.PostAsync("/api/v1/events", new StringContent($"{{\"m\":\"{marker}\"}}\n{{broken\n[1]\n")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["line 2", "line 3"], Problem.Fields(problem));
        Assert.Empty((await SearchAsync("q=" + marker)).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task QUELL_HEC_TOKEN_creates_a_token_for_the_default_organisation_once()
    {
        var secret = "qh_env_" + Guid.NewGuid().ToString("N");
        var tokens = server.Services.GetRequiredService<IngestTokens>();
        Assert.True(await tokens.EnsureFromEnvironmentAsync(secret));
        Assert.False(await tokens.EnsureFromEnvironmentAsync(secret));
        using var c = Hec("Splunk " + secret);
        Assert.Equal(0, (await Reply(await c.PostAsync("/services/collector", new StringContent("""{"event":{"m":"ENVTOKEN"}}""")), HttpStatusCode.OK)).GetProperty("code").GetInt32());
        Assert.Equal(IngestTokens.DefaultSource, (await SearchAsync("q=ENVTOKEN")).GetProperty("items")[0].GetProperty("source").GetString());
    }
}

public sealed class HecTestsOnSqlite(SqliteServer server) : HecTests(server), IClassFixture<SqliteServer>;

public sealed class HecTestsOnPostgres(PostgresServer server) : HecTests(server), IClassFixture<PostgresServer>;
