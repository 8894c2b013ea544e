using System.Text;
using System.Text.Json;

namespace Quell.Events;

/// <summary>
/// The short string values a thread reads, kept from one event to the next as <see cref="FieldNames"/> keeps names: a
/// shipper's events repeat host names, actions, paths of common programs and user names, and a string per value per
/// event was a large part of the bytes allocated per event (decision 219). A fixed table per thread, indexed by a hash of
/// the value's (unescaped) UTF-8; a value that collides replaces the entry, so the table never grows. ASCII only, where
/// the UTF-8 and the string compare byte for char. Also the boxes of small whole numbers (ports, event ids).
/// </summary>
static class Utf8Values
{
    const int Size = 1024;

    /// <summary>Longer values (command lines, messages) rarely repeat: they are read as before.</summary>
    const int MaxBytes = 64;

    [ThreadStatic]
    static string?[]? t_table;

    static readonly object[] SmallNumbers = [.. Enumerable.Range(0, 1024).Select(i => (object)(long)i)];

    /// <summary>The string the reader is on (a String token): reader.GetString(), shared when it was read before.</summary>
    public static string String(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        if (raw.Length > MaxBytes)
            return reader.GetString()!;
        if (!reader.ValueIsEscaped)
            return Shared(raw) ?? reader.GetString()!;
        // Escaped text is never shorter than the text it stands for.
        Span<byte> unescaped = stackalloc byte[MaxBytes];
        var n = reader.CopyString(unescaped);
        return Shared(unescaped[..n]) ?? reader.GetString()!;
    }

    /// <summary>The number as a boxed long, one box per value for small ones.</summary>
    public static object Box(long value) => (ulong)value < (ulong)SmallNumbers.Length ? SmallNumbers[value] : value;

    static string? Shared(ReadOnlySpan<byte> utf8)
    {
        if (!System.Text.Ascii.IsValid(utf8))
            return null;
        var hash = new HashCode();
        hash.AddBytes(utf8);
        var table = t_table ??= new string?[Size];
        ref var slot = ref table[hash.ToHashCode() & (Size - 1)];
        if (slot is { } s && System.Text.Ascii.Equals(utf8, s))
            return s;
        return slot = Encoding.ASCII.GetString(utf8);
    }
}
