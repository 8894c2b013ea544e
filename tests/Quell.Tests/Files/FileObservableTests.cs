using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Dapper;
using Quell.Tests.Enrichment;
using Quell.Tests.Support;
using static Quell.Tests.Files.FileApi;

namespace Quell.Tests.Files;

/// <summary>File observables with content: upload to cases and alerts, hashes, download, bad input, and removal of the last reference.</summary>
public abstract class FileObservableTests(EnrichmentServer server)
{
    async Task<HttpClient> TenantAsync() => server.Client(await server.CreateOtherOrganisationKeyAsync());

    Task<long> StoredCountAsync(string sha256) =>
        server.Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM file_contents WHERE sha256 = @sha256", new { sha256 }));

    [Fact]
    public async Task A_file_attached_to_a_case_keeps_its_hashes_and_downloads_as_an_octet_stream_attachment()
    {
        using var client = await TenantAsync();
        var caseId = (await client.CreateCaseAsync()).Id();
        var sample = Sample();
        var sha256 = Hex(SHA256.HashData(sample));

        var added = await client.AttachAsync($"/api/v1/cases/{caseId}", sample, "invoice.pdf.exe", ("addHashes", "true"), ("ioc", "true"), ("tags", "phishing, attachment"))
            .ExpectAsync(HttpStatusCode.Created);

        var observable = added.GetProperty("observable");
        Assert.Equal("file", observable.Str("dataType"));
        Assert.Equal($"invoice.pdf.exe|{sha256}", observable.Str("data"));
        Assert.True(observable.GetProperty("ioc").GetBoolean());
        Assert.Equal(["phishing", "attachment"], observable.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var file = observable.File();
        Assert.Equal(sample.Length, file.GetProperty("size").GetInt64());
        Assert.Equal(Hex(MD5.HashData(sample)), file.Str("md5"));
        Assert.Equal(Hex(SHA1.HashData(sample)), file.Str("sha1"));
        Assert.Equal(sha256, file.Str("sha256"));
        Assert.Equal("application/x-msdownload", file.Str("contentType"));
        Assert.Equal(new[] { Hex(MD5.HashData(sample)), Hex(SHA1.HashData(sample)), sha256 }.Order(StringComparer.Ordinal),
            added.GetProperty("hashes").EnumerateArray().Select(h => h.Str("data")).Order(StringComparer.Ordinal));

        // The case shows it, with where to download it.
        var shown = (await client.GetCaseAsync(caseId)).GetProperty("observables").EnumerateArray().Single(o => o.Str("dataType") == "file");
        var download = shown.File().Str("download");
        Assert.Equal($"/api/v1/cases/{caseId}/observables/{observable.Id()}/file", download);

        // A read-only member of the organisation may download; the sample is never served as what it claims to be.
        using var reader = server.Client(await CreateReadOnlyKeyAsync(client));
        using var response = await reader.GetAsync(download);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(sample, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("invoice.pdf.exe", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("sandbox", response.Headers.GetValues("Content-Security-Policy").Single());

        // The same file under the same name again: merged, 200; the content is kept once.
        await client.AttachAsync($"/api/v1/cases/{caseId}", sample, "invoice.pdf.exe").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, await StoredCountAsync(sha256));

        // Another organisation neither sees nor downloads it.
        using var other = await TenantAsync();
        await other.GetAsync(download).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    static async Task<string> CreateReadOnlyKeyAsync(HttpClient admin)
    {
        var username = "reader" + Guid.NewGuid().ToString("N")[..12];
        var user = await admin.PostAsync("/api/v1/users", System.Net.Http.Json.JsonContent.Create(new { username, role = "read-only", password = "user-password-123" }));
        user.EnsureSuccessStatusCode();
        var key = await admin.PostAsync($"/api/v1/users/{(await user.JsonAsync()).Id()}/api-keys", System.Net.Http.Json.JsonContent.Create(new { name = "reader" }));
        key.EnsureSuccessStatusCode();
        return (await key.JsonAsync()).Str("key");
    }

    [Fact]
    public async Task A_file_attached_to_an_alert_counts_as_its_observable_and_reaches_its_case()
    {
        using var client = await TenantAsync();
        var alertId = await client.CreateAlertAsync(TestAlerts.Alert(TestAlerts.NewSource(), observables: ("domain", "sender.example")));
        var promoted = await client.PostAsync($"/api/v1/alerts/{alertId}/case", null).ExpectAsync(HttpStatusCode.Created);
        var sample = Sample(5000, 3);

        var added = await client.AttachAsync($"/api/v1/alerts/{alertId}", sample, "payload.docm").ExpectAsync(HttpStatusCode.Created);

        var alert = await client.GetAsync($"/api/v1/alerts/{alertId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, alert.GetProperty("observableCount").GetInt32());
        var shown = alert.GetProperty("observables").EnumerateArray().Single(o => o.Str("dataType") == "file");
        Assert.Equal(added.GetProperty("observable").Id(), shown.Id());
        Assert.Equal(sample, await client.GetByteArrayAsync(shown.File().Str("download")));

        var inCase = (await client.GetCaseAsync(promoted.Id())).GetProperty("observables").EnumerateArray().Single(o => o.Str("dataType") == "file");
        Assert.Equal(sample, await client.GetByteArrayAsync(inCase.File().Str("download")));
    }

    [Fact]
    public async Task Bad_uploads_are_refused_naming_what_is_wrong_and_nothing_is_stored()
    {
        using var client = await TenantAsync();
        var caseId = (await client.CreateCaseAsync()).Id();
        var path = $"/api/v1/cases/{caseId}/observables/file";

        var tooLarge = Sample(EnrichmentServer.MaxFileBytes + 1, 11);
        var large = await client.PostAsync(path, Form(tooLarge, "big.bin")).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("Files:MaxBytes", Problem.Detail(large));
        Assert.Equal(0, await StoredCountAsync(Hex(SHA256.HashData(tooLarge))));
        // Exactly the limit is kept.
        await client.PostAsync(path, Form(Sample(EnrichmentServer.MaxFileBytes, 12), "limit.bin")).ExpectAsync(HttpStatusCode.Created);

        var empty = await client.PostAsync(path, Form([], "empty.txt")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("file is empty", empty.GetProperty("errors").GetProperty("file")[0].GetString());

        var noFile = new MultipartFormDataContent { { new StringContent("true"), "ioc" } };
        var missing = await client.PostAsync(path, noFile).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["file"], missing.ErrorFields());

        var json = await client.PostJsonAsync(path, """{"dataType": "file", "data": "x.exe"}""").ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("multipart/form-data", Problem.Detail(json));

        var unknown = await client.AttachAsync($"/api/v1/cases/{caseId}", Sample(), "x.exe", ("colour", "red")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("colour", unknown.ErrorFields());
        var flag = await client.AttachAsync($"/api/v1/cases/{caseId}", Sample(), "x.exe", ("ioc", "maybe")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["ioc"], flag.ErrorFields());

        // An unknown case or alert: 404 and the content is not kept.
        var orphan = Sample(4000, 99);
        await client.AttachAsync("/api/v1/cases/987654", orphan, "x.exe").ExpectProblemAsync(HttpStatusCode.NotFound);
        await client.AttachAsync("/api/v1/alerts/987654", orphan, "x.exe").ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(0, await StoredCountAsync(Hex(SHA256.HashData(orphan))));

        // A file observable known only by name has nothing to download.
        var named = await client.PostJsonAsync($"/api/v1/cases/{caseId}/observables", """{"dataType": "file", "data": "named-only.exe"}""").ExpectAsync(HttpStatusCode.Created);
        var id = named.GetProperty("added")[0].Id();
        var none = await client.GetAsync($"/api/v1/cases/{caseId}/observables/{id}/file").ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("not a file observable named name|sha256", Problem.Detail(none));
    }

    [Fact]
    public async Task Removing_the_last_observable_naming_a_file_removes_its_content()
    {
        using var client = await TenantAsync();
        var first = (await client.CreateCaseAsync()).Id();
        var second = (await client.CreateCaseAsync()).Id();
        var sample = Sample(2500, 42);
        var sha256 = Hex(SHA256.HashData(sample));
        var a = (await client.AttachAsync($"/api/v1/cases/{first}", sample, "a.exe").ExpectAsync(HttpStatusCode.Created)).GetProperty("observable").Id();
        var b = (await client.AttachAsync($"/api/v1/cases/{second}", sample, "b.exe").ExpectAsync(HttpStatusCode.Created)).GetProperty("observable").Id();

        (await client.DeleteAsync($"/api/v1/cases/{first}/observables/{a}")).EnsureSuccessStatusCode();
        Assert.Equal(1, await StoredCountAsync(sha256));
        Assert.Equal(sample, await client.GetByteArrayAsync($"/api/v1/cases/{second}/observables/{b}/file"));

        (await client.DeleteAsync($"/api/v1/cases/{second}/observables/{b}")).EnsureSuccessStatusCode();
        Assert.Equal(0, await StoredCountAsync(sha256));
    }
}

public sealed class FileObservableTestsOnSqlite(EnrichmentSqliteServer server) : FileObservableTests(server), IClassFixture<EnrichmentSqliteServer>;

public sealed class FileObservableTestsOnPostgres(EnrichmentPostgresServer server) : FileObservableTests(server), IClassFixture<EnrichmentPostgresServer>;
