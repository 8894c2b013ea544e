using System.Text.Json;

namespace Quell.Intel.Feeds.Formats;

/// <summary>
/// Parses a fetched JSON document with hard limits: at most <c>maxBytes</c> read (a feed that streams forever is cut
/// off, not buffered) and <see cref="MaxDepth"/> levels of nesting. A document over the limits, truncated or not JSON
/// throws <see cref="FeedFormatException"/> naming <c>what</c> and the reason.
/// </summary>
internal static class JsonDocuments
{
    public const int MaxDepth = 64;

    static readonly JsonDocumentOptions Options = new() { MaxDepth = MaxDepth, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    static readonly JsonSerializerOptions StreamOptions = new() { MaxDepth = MaxDepth };

    /// <summary>
    /// The items of a top-level JSON array, one at a time (a 200 MB PhishTank dump is never held whole). Items before
    /// a truncation are yielded; the truncation then throws <see cref="FeedFormatException"/>.
    /// </summary>
    public static async IAsyncEnumerable<JsonElement> ArrayItemsAsync(Stream body, long maxBytes, string what, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var limited = new LimitedStream(body, maxBytes);
        await using var items = JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(limited, StreamOptions, ct).GetAsyncEnumerator(ct);
        while (true)
        {
            try
            {
                if (!await items.MoveNextAsync())
                    yield break;
            }
            catch (Exception e) when (e is JsonException or LimitedStream.TooLargeException)
            {
                throw Failure(e, what, maxBytes);
            }
            yield return items.Current;
        }
    }

    static FeedFormatException Failure(Exception e, string what, long maxBytes)
    {
        if (e is LimitedStream.TooLargeException)
            return new FeedFormatException($"{what} is larger than {maxBytes / (1024 * 1024)} MB; it is refused");
        var json = (JsonException)e;
        var where = json.LineNumber is { } line ? $" at line {line + 1}, byte {json.BytePositionInLine + 1}" : "";
        return new FeedFormatException($"{what} is not valid JSON{where}: {IndicatorNormalizer.Printable(FirstSentence(json.Message))}", json);
    }

    public static async Task<JsonDocument> ParseAsync(Stream body, long maxBytes, string what, CancellationToken ct)
    {
        await using var limited = new LimitedStream(body, maxBytes);
        try
        {
            return await JsonDocument.ParseAsync(limited, Options, ct);
        }
        catch (Exception e) when (e is JsonException or LimitedStream.TooLargeException)
        {
            throw Failure(e, what, maxBytes);
        }
    }

    /// <summary>System.Text.Json appends "Path: $ | LineNumber: ..." which the message already says in our words.</summary>
    static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    /// <summary>A string property, or null when it is missing, null, an object or an array (numbers and booleans are given as text).</summary>
    public static string? Text(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var p)
            ? p.ValueKind switch
            {
                JsonValueKind.String => p.GetString(),
                JsonValueKind.Number => p.GetRawText(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => null,
            }
            : null;

    /// <summary>An array property's items; none when it is missing or not an array.</summary>
    public static IEnumerable<JsonElement> Items(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Array
            ? p.EnumerateArray()
            : [];

    /// <summary>MISP writes booleans as true/false, "1"/"0" or 1/0.</summary>
    public static bool? Flag(this JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var p))
            return null;
        return p.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => p.GetRawText() != "0",
            JsonValueKind.String => p.GetString() switch { "1" or "true" => true, "0" or "false" => false, _ => null },
            _ => null,
        };
    }

    /// <summary>Counts bytes read and stops at the limit.</summary>
    sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        long read;

        public sealed class TooLargeException : IOException;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        int Count(int n)
        {
            read += n;
            return read > limit ? throw new TooLargeException() : n;
        }
    }
}
