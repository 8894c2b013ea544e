using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Events.Receivers;

/// <summary>The Elasticsearch-compatible and OTLP receivers over HTTP against a real server, read back through the event search.</summary>
public abstract class ReceiverEndpointTests(TestServer server)
{
    async Task<string> CreateTokenAsync(string source)
    {
        using var admin = server.Client();
        var r = await admin.PostAsJsonAsync("/api/v1/ingest-tokens", new { name = "t-" + source, source });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        return (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    HttpClient Shipper(string? authorization)
    {
        var c = new HttpClient { BaseAddress = server.BaseAddress };
        if (authorization is not null)
            c.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        return c;
    }

    static string ApiKey(string token) => "ApiKey " + Convert.ToBase64String(Encoding.UTF8.GetBytes("filebeat:" + token));

    static async Task<JsonElement> Reply(HttpResponseMessage r, HttpStatusCode status)
    {
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == status, $"expected {(int)status}, got {(int)r.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    async Task<List<JsonElement>> SearchAsync(string q)
    {
        using var c = server.Client();
        var body = await Reply(await c.GetAsync("/api/v1/events?q=" + Uri.EscapeDataString(q)), HttpStatusCode.OK);
        return [.. body.GetProperty("items").EnumerateArray()];
    }

    static StringContent Ndjson(string body) => new(body, Encoding.UTF8, "application/x-ndjson");

    [Fact]
    public async Task The_beats_handshake_answers_like_elasticsearch_and_refuses_without_a_token()
    {
        var token = await CreateTokenAsync("beats-" + Guid.NewGuid().ToString("N")[..6]);
        using var shipper = Shipper(ApiKey(token));

        var info = await shipper.GetAsync("/es");
        var body = await Reply(info, HttpStatusCode.OK);
        Assert.Equal("Elasticsearch", info.Headers.GetValues("X-Elastic-Product").Single());
        Assert.StartsWith("8.", body.GetProperty("version").GetProperty("number").GetString(), StringComparison.Ordinal);
        Assert.Equal("active", (await Reply(await shipper.GetAsync("/es/_license"), HttpStatusCode.OK)).GetProperty("license").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await shipper.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/es/_index_template/filebeat-8.19.0"))).StatusCode);
        Assert.True((await Reply(await shipper.PutAsync("/es/_ilm/policy/filebeat", new StringContent("{}", Encoding.UTF8, "application/json")), HttpStatusCode.OK))
            .GetProperty("acknowledged").GetBoolean());

        using var anonymous = Shipper(null);
        var refused = await Reply(await anonymous.GetAsync("/es"), HttpStatusCode.Unauthorized);
        Assert.Equal("security_exception", refused.GetProperty("error").GetProperty("type").GetString());
        using var wrong = Shipper(ApiKey("not-a-token"));
        await Reply(await wrong.PostAsync("/es/_bulk", Ndjson("{\"index\":{\"_index\":\"x\"}}\n{\"m\":1}\n")), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_gzipped_bulk_request_stores_its_documents_and_reports_each_item()
    {
        var source = "bulk-" + Guid.NewGuid().ToString("N")[..6];
        var host = "bulk-host-" + Guid.NewGuid().ToString("N")[..6];
        var token = await CreateTokenAsync(source);
        using var shipper = Shipper("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("elastic:" + token)));
        var ndjson = $$$"""
            {"create":{"_index":"filebeat-8.19.0"}}
            {"@timestamp":"2026-11-28T09:00:00Z","host":{"name":"{{{host}}}"},"message":"first","source":{"ip":"192.0.2.44"}}
            {"create":{"_index":"filebeat-8.19.0"}}
            {"@timestamp":"2026-11-28T09:00:01Z","host":{"name":"{{{host}}}"},"message":"broken
            {"delete":{"_index":"filebeat-8.19.0","_id":"x"}}
            {"index":{"_index":"winlogbeat-8.19.0","_id":"mine"}}
            {"@timestamp":"2026-11-28T09:00:02Z","host":{"name":"{{{host}}}"},"message":"third"}

            """;
        using var gzipped = new MemoryStream();
        using (var gz = new GZipStream(gzipped, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(Encoding.UTF8.GetBytes(ndjson));
        var content = new ByteArrayContent(gzipped.ToArray());
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentEncoding.Add("gzip");

        var reply = await Reply(await shipper.PostAsync("/es/_bulk?filter_path=errors,items.*.error,items.*.status", content), HttpStatusCode.OK);

        Assert.True(reply.GetProperty("errors").GetBoolean());
        var items = reply.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([201, 400, 400, 201], items.Select(i => i.EnumerateObject().Single().Value.GetProperty("status").GetInt32()));
        Assert.Equal(["create", "create", "delete", "index"], items.Select(i => i.EnumerateObject().Single().Name));
        Assert.Equal("mine", items[3].GetProperty("index").GetProperty("_id").GetString());
        Assert.Equal("document_parsing_exception", items[1].GetProperty("create").GetProperty("error").GetProperty("type").GetString());
        var stored = await SearchAsync($"host.name:{host}");
        Assert.Equal(["third", "first"], stored.Select(e => e.GetProperty("fields").GetProperty("message").GetString()));
        Assert.All(stored, e => Assert.Equal(source, e.GetProperty("source").GetString()));
        Assert.Equal("winlogbeat-8.19.0", stored[0].GetProperty("fields").GetProperty("_index").GetString());
    }

    [Fact]
    public async Task A_malformed_action_line_stores_nothing()
    {
        var host = "malformed-" + Guid.NewGuid().ToString("N")[..6];
        using var shipper = Shipper("Bearer " + await CreateTokenAsync("malformed"));
        var body = $"{{\"index\":{{\"_index\":\"x\"}}}}\n{{\"host\":{{\"name\":\"{host}\"}}}}\n{{\"index\":{{\"_index\":\"x\"}}\n{{}}\n";

        var reply = await Reply(await shipper.PostAsync("/es/_bulk", Ndjson(body)), HttpStatusCode.BadRequest);

        Assert.Equal("illegal_argument_exception", reply.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("line [3]", reply.GetProperty("error").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(await SearchAsync($"host.name:{host}"));
    }

    [Fact]
    public async Task Curl_sends_otlp_logs_and_they_are_searchable()
    {
        var service = "svc-" + Guid.NewGuid().ToString("N")[..8];
        var token = await CreateTokenAsync("otlp");
        var body = $$$"""
            {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"{{{service}}}"}}]},
              "scopeLogs":[{"scope":{"name":"auth"},"logRecords":[
                {"timeUnixNano":"1764320400000000000","severityText":"WARN","body":{"stringValue":"failed login"},
                 "attributes":[{"key":"user.name","value":{"stringValue":"mallory"}},{"key":"source.ip","value":{"stringValue":"198.51.100.23"}}]},
                {"timeUnixNano":"soon","body":{"stringValue":"unreadable time"}}]}]}]}
            """;
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-sS", "-w", "\n%{http_code}", "-H", "Content-Type: application/json", "-H", $"Authorization: Bearer {token}",
            "--data-binary", body, new Uri(server.BaseAddress, "/v1/logs").ToString()])
            start.ArgumentList.Add(a);
        using var curl = Process.Start(start)!;
        var output = await curl.StandardOutput.ReadToEndAsync();
        await curl.WaitForExitAsync();

        var lines = output.Split('\n');
        Assert.Equal("200", lines[^1]);
        var reply = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal("1", reply.GetProperty("partialSuccess").GetProperty("rejectedLogRecords").GetString());
        var stored = Assert.Single(await SearchAsync($"service.name:{service}"));
        var fields = stored.GetProperty("fields");
        Assert.Equal("failed login", fields.GetProperty("message").GetString());
        Assert.Equal("mallory", fields.GetProperty("user.name").GetString());
        Assert.Equal("WARN", fields.GetProperty("log.level").GetString());
        Assert.StartsWith("2025-11-28T09:00:00", stored.GetProperty("time").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Otlp_refuses_protobuf_and_bad_bodies_with_rpc_statuses()
    {
        using var shipper = Shipper("Bearer " + await CreateTokenAsync("otlp-bad"));
        var protobuf = new ByteArrayContent([0x0a, 0x00]);
        protobuf.Headers.ContentType = new("application/x-protobuf");
        var refused = await Reply(await shipper.PostAsync("/v1/logs", protobuf), HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("encoding: json", refused.GetProperty("message").GetString(), StringComparison.Ordinal);
        var bad = await Reply(await shipper.PostAsync("/v1/logs", new StringContent("{\"resourceLogs\":", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        Assert.Equal(3, bad.GetProperty("code").GetInt32());
        using var anonymous = Shipper(null);
        Assert.Equal(16, (await Reply(await anonymous.PostAsync("/v1/logs", new StringContent("{}", Encoding.UTF8, "application/json")), HttpStatusCode.Unauthorized))
            .GetProperty("code").GetInt32());
    }
}

public sealed class ReceiverEndpointTestsOnSqlite(SqliteServer server) : ReceiverEndpointTests(server), IClassFixture<SqliteServer>;

public sealed class ReceiverEndpointTestsOnPostgres(PostgresServer server) : ReceiverEndpointTests(server), IClassFixture<PostgresServer>;
