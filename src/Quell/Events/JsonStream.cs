using System.Text.Json;
using System.Text.Unicode;

namespace Quell.Events;

/// <summary>One value of a stream of JSON values: its number (from 1), the line it starts on, and either its document or what is wrong with it.</summary>
public readonly ref struct JsonRecord(int number, int line, JsonDocument? document, string? error, ReadOnlySpan<byte> bytes)
{
    public int Number { get; } = number;
    public int Line { get; } = line;
    public JsonDocument? Document { get; } = document;
    public string? Error { get; } = error;
    public ReadOnlySpan<byte> Bytes { get; } = bytes;
}

/// <summary>
/// Reads concatenated JSON values: NDJSON, HEC bodies (objects one after another, any whitespace between) and files
/// of pretty-printed Windows events. A broken value is reported with its line and skipped: reading goes on at the
/// next line that starts with '{' or '[' (the next NDJSON line, or the next top-level object of a pretty-printed file).
/// </summary>
public static class JsonStream
{
    public const int MaxDepth = 64;

    public delegate bool RecordHandler(in JsonRecord record);

    /// <summary>Calls <paramref name="onRecord"/> for each value (the document is disposed after the call) until it returns false.</summary>
    public static void ForEach(ReadOnlySpan<byte> data, RecordHandler onRecord)
    {
        var pos = 0;
        var line = 1;
        var number = 0;
        if (data.StartsWith("\xEF\xBB\xBF"u8))
            pos = 3;
        while (true)
        {
            while (pos < data.Length && data[pos] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                if (data[pos] == '\n')
                    line++;
                pos++;
            }
            if (pos >= data.Length)
                return;
            number++;
            var rest = data[pos..];
            var reader = new Utf8JsonReader(rest, new JsonReaderOptions { AllowMultipleValues = true, MaxDepth = MaxDepth });
            JsonDocument? doc = null;
            string? error = null;
            var consumed = 0;
            try
            {
                doc = JsonDocument.ParseValue(ref reader);
                consumed = (int)reader.BytesConsumed;
                if (!Utf8.IsValid(rest[..consumed]))
                {
                    doc.Dispose();
                    doc = null;
                    error = "not valid UTF-8";
                }
            }
            catch (JsonException e)
            {
                error = e.Message;
            }
            if (doc is null)
            {
                // Skip to the next line that starts a top-level object or array.
                var next = NextLineStartingValue(rest);
                consumed = next < 0 ? rest.Length : next + 1;
            }
            var bytes = rest[..consumed];
            bool goOn;
            try
            {
                goOn = onRecord(new JsonRecord(number, line, doc, error, bytes));
            }
            finally
            {
                doc?.Dispose();
            }
            if (!goOn)
                return;
            line += bytes.Count((byte)'\n');
            pos += consumed;
        }
    }

    static int NextLineStartingValue(ReadOnlySpan<byte> s)
    {
        var offset = 0;
        while (true)
        {
            var nl = s[offset..].IndexOf((byte)'\n');
            if (nl < 0)
                return -1;
            var at = offset + nl;
            if (at + 1 < s.Length && s[at + 1] is (byte)'{' or (byte)'[')
                return at;
            offset = at + 1;
        }
    }
}
