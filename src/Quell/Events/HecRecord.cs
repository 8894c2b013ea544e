using System.Text.Json;
using System.Text.Unicode;

namespace Quell.Events;

/// <summary>
/// Where the members of one HEC /event record are, found by one pass of a <see cref="Utf8JsonReader"/> over the record
/// (decision 218): the record is checked whole (JSON, depth, UTF-8) before any of it is used, as a JsonDocument per
/// record did, but nothing is built for the members a HEC server ignores. Duplicate names: the last one counts, as
/// JsonElement.TryGetProperty finds it.
/// </summary>
readonly struct HecRecord
{
    public Range? Event { get; init; }
    public Range? Host { get; init; }
    public Range? Source { get; init; }
    public Range? SourceType { get; init; }
    public Range? Index { get; init; }
    public Range? Fields { get; init; }
    public Range? Time { get; init; }

    /// <summary>The record's length in bytes, from its '{' to its '}'.</summary>
    public int Length { get; init; }

    /// <summary>The members of the JSON object that starts <paramref name="data"/>; false when it is not a complete object of valid JSON and UTF-8.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out HecRecord record)
    {
        record = default;
        var reader = new Utf8JsonReader(data, new JsonReaderOptions { AllowMultipleValues = true, MaxDepth = JsonStream.MaxDepth });
        Range? ev = null, host = null, source = null, sourceType = null, index = null, fields = null, time = null, other = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                ref var slot = ref other;
                if (reader.ValueTextEquals("event"u8))
                    slot = ref ev;
                else if (reader.ValueTextEquals("host"u8))
                    slot = ref host;
                else if (reader.ValueTextEquals("source"u8))
                    slot = ref source;
                else if (reader.ValueTextEquals("sourcetype"u8))
                    slot = ref sourceType;
                else if (reader.ValueTextEquals("index"u8))
                    slot = ref index;
                else if (reader.ValueTextEquals("fields"u8))
                    slot = ref fields;
                else if (reader.ValueTextEquals("time"u8))
                    slot = ref time;
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                slot = start..(int)reader.BytesConsumed;
            }
        }
        catch (JsonException)
        {
            return false;
        }
        var length = (int)reader.BytesConsumed;
        if (!Utf8.IsValid(data[..length]))
            return false;
        record = new HecRecord
        {
            Event = ev,
            Host = host,
            Source = source,
            SourceType = sourceType,
            Index = index,
            Fields = fields,
            Time = time,
            Length = length,
        };
        return true;
    }

    /// <summary>A reader on the first token of <paramref name="value"/>, one JSON value of a record already read whole.</summary>
    public static Utf8JsonReader ValueReader(ReadOnlySpan<byte> value)
    {
        var reader = new Utf8JsonReader(value);
        reader.Read();
        return reader;
    }
}
