using System.Text.Json;
using Quell.Intel.Feeds;

namespace Quell.Intel.Stix;

/// <summary>Reading untrusted STIX and TAXII JSON with limits: size, nesting depth, and a clear error when it is not JSON.</summary>
static class StixJson
{
    /// <summary>A bundle or TAXII page larger than this is refused (the whole document is held in memory).</summary>
    public const long MaxBytes = 512L * 1024 * 1024;

    static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    public static async Task<JsonDocument> ParseAsync(FeedDocument document, string what, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await document.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > MaxBytes)
                throw new FeedFormatException($"{what} is larger than {MaxBytes / (1024 * 1024)} MB; split it or serve it over TAXII with paging");
            buffer.Write(chunk, 0, n);
        }
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (bytes.Span.StartsWith("\uFEFF"u8))
            bytes = bytes[3..]; // a UTF-8 byte order mark, as Windows editors write it
        try
        {
            return JsonDocument.Parse(bytes, Options);
        }
        catch (JsonException e)
        {
            throw new FeedFormatException($"{what} is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine}): {e.Message.Split(" Path:")[0]}", e);
        }
    }
}
