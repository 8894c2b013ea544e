using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Quell.Events;

/// <summary>The stored form of an event's fields: one JSON object of the flattened names.</summary>
public static class EventJson
{
    [ThreadStatic]
    static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    static Utf8JsonWriter? t_writer;

    static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Serialize(IReadOnlyDictionary<string, object?> fields) => Encoding.UTF8.GetString(SerializeUtf8(fields));

    /// <summary>
    /// The same JSON as <see cref="Serialize"/>, as UTF-8 bytes in a buffer of the calling thread: valid until the
    /// thread's next call, so use it before any await. The SQLite writer binds these bytes as they are.
    /// </summary>
    public static ReadOnlySpan<byte> SerializeUtf8(IReadOnlyDictionary<string, object?> fields)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var w = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        w.Reset(buffer);
        w.WriteStartObject();
        foreach (var (name, value) in fields)
        {
            w.WritePropertyName(Clean(name));
            Write(w, value);
        }
        w.WriteEndObject();
        w.Flush();
        return buffer.WrittenSpan;
    }

    public static void Write(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(Clean(s)); break;
            case long l: w.WriteNumberValue(l); break;
            case int i: w.WriteNumberValue(i); break;
            case double d when double.IsFinite(d): w.WriteNumberValue(d); break;
            case double d: w.WriteStringValue(d.ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
            case bool b: w.WriteBooleanValue(b); break;
            case IEnumerable<object?> list:
                w.WriteStartArray();
                foreach (var item in list)
                    Write(w, item);
                w.WriteEndArray();
                break;
            default: w.WriteStringValue(Clean(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "")); break;
        }
    }

    /// <summary>
    /// PostgreSQL text (and jsonb, which the search reads fields as) cannot hold U+0000: it becomes U+FFFD in both
    /// dialects, so an event is stored the same everywhere and never fails a batch.
    /// </summary>
    public static string Clean(string s) => s.Contains('\0', StringComparison.Ordinal) ? s.Replace('\0', '\uFFFD') : s;
}
