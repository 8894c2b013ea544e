using System.Text.Json;

namespace Quell.Detection.Sigma;

/// <summary>
/// Splits JSON event text into events: a JSON array of objects, or objects one after another (NDJSON, or pretty
/// printed and concatenated as SigmaHQ's regression data is). Throws <see cref="JsonException"/> with the position
/// when the text is not JSON.
/// </summary>
public static class SigmaEventReader
{
    public static List<JsonElement> ReadAll(ReadOnlySpan<byte> utf8)
    {
        var events = new List<JsonElement>();
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip });
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.StartArray && reader.CurrentDepth == 0)
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    events.Add(Element(ref reader));
                continue;
            }
            events.Add(Element(ref reader));
        }
        return events;
    }

    static JsonElement Element(ref Utf8JsonReader reader)
    {
        var start = reader.TokenStartIndex;
        var element = JsonElement.ParseValue(ref reader);
        if (element.ValueKind != JsonValueKind.Object)
            throw new JsonException($"an event must be a JSON object, not {element.ValueKind} (at byte {start})");
        return element;
    }
}
