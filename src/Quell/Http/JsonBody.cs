using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Quell.Http;

/// <summary>
/// Reads a request body as a JSON document ourselves instead of through model binding, so that any malformed,
/// oversized or wrongly typed body becomes a precise problem+json instead of a binder exception.
/// </summary>
public static class JsonBody
{
    public const int DefaultMaxBytes = 1 << 20;
    static readonly JsonDocumentOptions Options = new() { MaxDepth = 32, CommentHandling = JsonCommentHandling.Disallow };

    public static async Task<(JsonDocument? Doc, IResult? Error)> ReadAsync(HttpRequest request, int maxBytes = DefaultMaxBytes, CancellationToken ct = default)
    {
        using var buffer = await ReadBoundedAsync(request, maxBytes, ct);
        if (buffer is null)
            return (null, TooLarge(maxBytes));

        if (buffer.Length == 0)
            return (null, Problems.BadRequest("the request body is empty; send a JSON document"));
        // JsonDocument.Parse checks UTF-8 only lazily, when a string is read: an invalid sequence inside a string
        // would surface later as an exception in whatever code reads that field. Check the whole body once here.
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (!System.Text.Unicode.Utf8.IsValid(bytes.Span))
            return (null, Problems.BadRequest($"the request body is not valid UTF-8 (first bad byte at offset {FirstInvalidUtf8(bytes.Span)}); send JSON encoded as UTF-8"));
        try
        {
            return (JsonDocument.Parse(bytes, Options), null);
        }
        catch (JsonException e)
        {
            return (null, Problems.BadRequest($"the request body is not valid JSON: {e.Message}"));
        }
    }

    /// <summary>The body in memory, or null when it is (or declares itself) larger than <paramref name="maxBytes"/>.</summary>
    public static async Task<MemoryStream?> ReadBoundedAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes)
            return null;
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    buffer.Dispose();
                    return null;
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            buffer.Dispose();
            return null;
        }
        return buffer;
    }

    static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (offset < bytes.Length && System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed) == System.Buffers.OperationStatus.Done)
            offset += consumed;
        return offset;
    }

    public static IResult TooLarge(int maxBytes) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large",
            detail: $"the request body is larger than {maxBytes} bytes; split it into smaller requests");
}
