using System.Text;
using System.Text.Json;

namespace Quell.Events;

/// <summary>
/// The same normalization read straight from UTF-8 JSON with a <see cref="Utf8JsonReader"/>: a HEC body's events are
/// flattened without building a JsonDocument per event and walking its elements (decision 218). The fields, their
/// values, value types and order are those <see cref="Normalize(JsonElement, string, IReadOnlyDictionary{string, object?}?)"/>
/// gives for the same object.
/// </summary>
public static partial class EventNormalizer
{
    /// <summary>Where the reader is, for the EventData names Windows events also get bare.</summary>
    enum Level { Root, Event, EventData, Other }

    /// <summary>
    /// The fields of the JSON object <paramref name="json"/> (one complete, already validated object: valid UTF-8 and
    /// JSON), with <paramref name="extra"/> added as <see cref="Normalize(JsonElement, string, IReadOnlyDictionary{string, object?}?)"/> does.
    /// </summary>
    internal static Dictionary<string, object?> FieldsOfObject(ReadOnlySpan<byte> json, IReadOnlyDictionary<string, object?>? extra, int capacity = 32)
    {
        var fields = new Dictionary<string, object?>(capacity, StringComparer.Ordinal);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = JsonStream.MaxDepth });
        reader.Read();
        List<KeyValuePair<string, object?>>? eventData = null;
        Flatten(ref reader, json, "", Level.Root, fields, ref eventData);
        Complete(fields, extra, eventData);
        return fields;
    }

    /// <summary>Reads the object the reader is on (its StartObject) through its EndObject.</summary>
    static void Flatten(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, string prefix, Level level, Dictionary<string, object?> into,
        ref List<KeyValuePair<string, object?>>? eventData)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // As the JsonElement path: "#attributes" wrappers are not part of names; and Event.EventData is the last
            // Event's last EventData (TryGetProperty finds the last of duplicate names).
            var attributes = reader.ValueTextEquals("#attributes"u8);
            var childLevel = Level.Other;
            if (level == Level.Root && reader.ValueTextEquals("Event"u8))
            {
                eventData?.Clear();
                childLevel = Level.Event;
            }
            else if (level == Level.Event && reader.ValueTextEquals("EventData"u8))
            {
                eventData?.Clear();
                childLevel = Level.EventData;
            }
            var bare = level == Level.EventData && !attributes ? FieldNames.Of("", ref reader).Text : null;
            var fieldName = attributes ? default : FieldNames.Of(prefix, ref reader);
            var name = attributes ? prefix.TrimEnd('.') : fieldName.Text;
            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    Flatten(ref reader, json, name.Length == 0 ? "" : attributes ? name + "." : fieldName.Dotted, childLevel, into, ref eventData);
                    break;
                case JsonTokenType.StartArray:
                    var list = new List<object?>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        list.Add(reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray ? RawText(ref reader, json) : Scalar(ref reader));
                    into[name] = list;
                    break;
                default:
                    var value = Scalar(ref reader);
                    if (name.Length > 0)
                        into[name] = value;
                    if (bare is not null)
                        (eventData ??= []).Add(new(bare, value));
                    break;
            }
        }
    }

    /// <summary>The text of the value the reader is on, as received (as JsonElement.GetRawText gives it).</summary>
    internal static string RawText(ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return Encoding.UTF8.GetString(json[start..(int)reader.BytesConsumed]);
    }

    static object? Scalar(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => reader.TryGetInt64(out var l) ? (object)l : reader.GetDouble(),
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => null,
    };
}
