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

    static Entry? Find(string parent, JsonProperty property)
    {
        var utf8 = JsonMarshal.GetRawUtf8PropertyName(property);
        if (utf8.Length > MaxBytes || utf8.Contains((byte)'\\'))
            return null;
        var hash = new HashCode();
        hash.Add(RuntimeHelpers.GetHashCode(parent));
        hash.AddBytes(utf8);
        var table = t_table ??= new Entry?[Size];
        ref var slot = ref table[hash.ToHashCode() & (Size - 1)];
        if (slot is { } e && ReferenceEquals(e.Parent, parent) && utf8.SequenceEqual(e.Utf8))
            return e;
        return slot = new Entry(parent, utf8.ToArray(), parent + property.Name);
    }
}
