using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Quell.Events;

/// <summary>
/// Short string values a thread has read from JSON events, kept from one event to the next: a shipper's events repeat
/// the same actions, categories, hosts, users and addresses, and each was a new string that lived until its batch was
/// stored (so the GC copied it out of the young generation). A fixed table per thread, indexed by a hash of the
/// value's UTF-8 bytes; only ASCII values without escapes are kept (compared byte to char), a colliding value replaces
/// the entry, so the table never grows and a miss costs no more than before.
/// </summary>
static class FieldValues
{
    const int Size = 4096;

    const int MaxBytes = 48;

    [ThreadStatic]
    static string?[]? t_table;

    /// <summary>The string value of <paramref name="e"/> (a JSON string), as <see cref="JsonElement.GetString"/> gives it.</summary>
    public static string String(JsonElement e)
    {
        var raw = JsonMarshal.GetRawUtf8Value(e);
        // The raw value of a string holds its quotes.
        if (raw.Length < 2 || raw.Length - 2 > MaxBytes || raw[0] != (byte)'"')
            return e.GetString()!;
        var utf8 = raw[1..^1];
        if (utf8.Contains((byte)'\\'))
            return e.GetString()!;
        var table = t_table ??= new string?[Size];
        ref var slot = ref table[HashCode(utf8) & (Size - 1)];
        if (slot is { } known && known.Length == utf8.Length && Ascii.Equals(utf8, known))
            return known;
        var s = e.GetString()!;
        // Only ASCII: then the string's length is the byte count and the comparison above is exact.
        if (s.Length == utf8.Length)
            slot = s;
        return s;
    }

    static int HashCode(ReadOnlySpan<byte> utf8)
    {
        var hash = new HashCode();
        hash.AddBytes(utf8);
        return hash.ToHashCode();
    }
}
