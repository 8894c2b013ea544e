using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Quell.Events;

/// <summary>
/// The flattened names of the JSON fields a thread normalizes, kept from one event to the next: a shipper's events
/// repeat the same names, and making each name again (the property's name, then parent + "." + name) was most of the
/// normalizer's string allocations (decision 174). A fixed table per thread, indexed by a hash of the parent name's
/// instance and the property's UTF-8 bytes; a colliding name replaces the entry, so the table never grows.
/// </summary>
static class FieldNames
{
    const int Size = 1024;

    /// <summary>Longer names, and names with JSON escapes, are built as before and not kept.</summary>
    const int MaxBytes = 64;

    sealed class Entry(string parent, byte[] utf8, string name)
    {
        public readonly string Parent = parent;
        public readonly byte[] Utf8 = utf8;
        public readonly string Name = name;
        public string? Dotted;
    }

    [ThreadStatic]
    static Entry?[]? t_table;

    /// <summary><paramref name="parent"/> (empty or ending with '.') followed by the property's name.</summary>
    public static string Of(string parent, JsonProperty property) => Find(parent, property)?.Name ?? parent + property.Name;

    /// <summary><see cref="Of"/> followed by '.', the parent of the property's own fields.</summary>
    public static string DottedOf(string parent, JsonProperty property)
    {
        if (Find(parent, property) is not { } entry)
            return parent + property.Name + ".";
        return entry.Dotted ??= entry.Name + ".";
    }

    /// <summary>The name of the property the reader is on (a PropertyName token), with <paramref name="parent"/> before it.</summary>
    public readonly struct Name
    {
        readonly Entry? _entry;
        readonly string _name;

        Name(Entry? entry, string name)
        {
            _entry = entry;
            _name = name;
        }

        public string Text => _name;

        /// <summary>The name followed by '.', the parent of the property's own fields.</summary>
        public string Dotted => _entry is null ? _name + "." : _entry.Dotted ??= _name + ".";

        internal static Name Of(string parent, ref Utf8JsonReader reader)
        {
            // The raw bytes of an unescaped name are its UTF-8, as JsonMarshal gives them for a JsonProperty: both
            // paths share the table's entries.
            var utf8 = reader.ValueSpan;
            if (reader.ValueIsEscaped || !Cacheable(utf8))
                return new(null, parent + reader.GetString());
            ref var slot = ref Slot(parent, utf8);
            if (slot is { } e && ReferenceEquals(e.Parent, parent) && utf8.SequenceEqual(e.Utf8))
                return new(e, e.Name);
            slot = new Entry(parent, utf8.ToArray(), parent + reader.GetString());
            return new(slot, slot.Name);
        }
    }

    /// <summary><paramref name="parent"/> followed by the name of the property the reader is on.</summary>
    public static Name Of(string parent, ref Utf8JsonReader reader) => Name.Of(parent, ref reader);

    static bool Cacheable(ReadOnlySpan<byte> utf8) => utf8.Length <= MaxBytes && !utf8.Contains((byte)'\\');

    static ref Entry? Slot(string parent, ReadOnlySpan<byte> utf8)
    {
        var hash = new HashCode();
        hash.Add(RuntimeHelpers.GetHashCode(parent));
        hash.AddBytes(utf8);
        var table = t_table ??= new Entry?[Size];
        return ref table[hash.ToHashCode() & (Size - 1)];
    }

    static Entry? Find(string parent, JsonProperty property)
    {
        var utf8 = JsonMarshal.GetRawUtf8PropertyName(property);
        if (!Cacheable(utf8))
            return null;
        ref var slot = ref Slot(parent, utf8);
        if (slot is { } e && ReferenceEquals(e.Parent, parent) && utf8.SequenceEqual(e.Utf8))
            return e;
        return slot = new Entry(parent, utf8.ToArray(), parent + property.Name);
    }
}
