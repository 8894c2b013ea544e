using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Quell.Tests.Support;

namespace Quell.Tests.Files;

/// <summary>File uploads as a client sends them, and the multipart parts a replayed sandbox received.</summary>
public static class FileApi
{
    /// <summary>A small "executable": an MZ header and every byte value, so that any text decoding on the way would show.</summary>
    public static byte[] Sample(int size = 3000, byte seed = 7) =>
        [(byte)'M', (byte)'Z', .. Enumerable.Range(0, size - 2).Select(i => (byte)((i * 31 + seed) % 256))];

    public static MultipartFormDataContent Form(byte[] content, string name, string contentType = "application/x-msdownload", params (string Name, string Value)[] fields)
    {
        var part = new ByteArrayContent(content);
        part.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        var form = new MultipartFormDataContent { { part, "file", name } };
        foreach (var (n, v) in fields)
            form.Add(new StringContent(v), n);
        return form;
    }

    /// <summary>Posts <paramref name="content"/> to <paramref name="ownerPath"/>/observables/file (e.g. /api/v1/cases/3).</summary>
    public static Task<HttpResponseMessage> AttachAsync(this HttpClient client, string ownerPath, byte[] content, string name, params (string Name, string Value)[] fields) =>
        client.PostAsync($"{ownerPath}/observables/file", Form(content, name, fields: fields));

    /// <summary>An alert with <paramref name="content"/> attached as a file observable; returns the observable's id.</summary>
    public static async Task<long> FileObservableAsync(this HttpClient client, byte[] content, string name, string tlp = "AMBER")
    {
        var alert = TestAlerts.Alert(TestAlerts.NewSource(), observables: ("domain", "sender.example"));
        alert["tlp"] = tlp;
        var id = await client.CreateAlertAsync(alert);
        var answer = await client.AttachAsync($"/api/v1/alerts/{id}", content, name).ExpectAsync(HttpStatusCode.Created);
        return answer.GetProperty("observable").GetProperty("id").GetInt64();
    }

    /// <summary>The parts of a multipart request a replay server received: name → (filename, bytes).</summary>
    public static async Task<Dictionary<string, (string? FileName, byte[] Bytes)>> PartsAsync(ReplayServer.Request request)
    {
        var boundary = HeaderUtilities.RemoveQuotes(Microsoft.Net.Http.Headers.MediaTypeHeaderValue.Parse(request.Headers["Content-Type"]).Boundary).Value!;
        var reader = new MultipartReader(boundary, new MemoryStream(request.Bytes));
        var parts = new Dictionary<string, (string?, byte[])>(StringComparer.Ordinal);
        while (await reader.ReadNextSectionAsync() is { } section)
        {
            var disposition = ContentDispositionHeaderValue.Parse(section.ContentDisposition);
            using var buffer = new MemoryStream();
            await section.Body.CopyToAsync(buffer);
            parts[HeaderUtilities.RemoveQuotes(disposition.Name).Value!] =
                (HeaderUtilities.RemoveQuotes(disposition.FileNameStar).Value ?? HeaderUtilities.RemoveQuotes(disposition.FileName).Value, buffer.ToArray());
        }
        return parts;
    }

    public static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);

    public static JsonElement File(this JsonElement observable) => observable.GetProperty("file");
}
