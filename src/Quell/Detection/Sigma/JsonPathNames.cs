using System.Runtime.InteropServices;
using System.Text.Json;

namespace Quell.Detection.Sigma;

/// <summary>
/// The property names a <see cref="JsonSigmaEvent"/> has seen, as a tree of paths, so that flattening an event of a
/// known shape allocates no name or dotted path string per field: a property is found by its raw UTF-8 name among
/// its parent's children, trying first the child that followed the previous one last time (events of one source
/// repeat their order). The tree is bounded (<see cref="MaxNodes"/>); past it, names are allocated as before.
/// Each node also holds the value its path had in the current event, so that short Windows names reuse the
/// value flattening converted instead of converting it again.
/// </summary>
internal sealed class JsonPathNames
{
    /// <summary>Events with ever-new names (random keys) would otherwise grow the tree without end.</summary>
    public const int MaxNodes = 8192;

    /// <summary>A child is looked for by a linear search: an object with many distinct keys is not cached past this.</summary>
    public const int MaxChildren = 128;

    int _nodes;

    public Node Root { get; } = new([], "", "");

    /// <summary>The child of <paramref name="parent"/> for the property; null when the tree is full.</summary>
    public Node? Child(Node? parent, JsonProperty property)
    {
        if (parent is null)
            return null;
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (parent.Find(raw) is { } known)
            return known;
        if (_nodes >= MaxNodes || parent.Count >= MaxChildren)
            return null;
        _nodes++;
        var name = property.Name;
        return parent.Add(raw.ToArray(), name, parent.Path.Length == 0 ? name : string.Concat(parent.Path, ".", name));
    }

    /// <summary>The child named <paramref name="raw"/> (as written in the JSON), if seen before.</summary>
    public static Node? Child(Node? parent, ReadOnlySpan<byte> raw) => parent?.Find(raw);

    internal sealed class Node(byte[] raw, string name, string path)
    {
        readonly List<Node> _children = [];
        int _next;

        public byte[] Raw { get; } = raw;

        public string Name { get; } = name;

        public string Path { get; } = path;

        /// <summary><c>Parent_Name</c> for a Windows System attribute, made once.</summary>
        public string? AttributeName { get; set; }

        /// <summary>The value at this path in the event of <see cref="Stamp"/> (its first occurrence).</summary>
        public SigmaValue Value { get; set; }

        public int Stamp { get; set; }

        public int Count => _children.Count;

        /// <summary>Values longer than this (command lines, scripts) are not kept for reuse: they rarely repeat.</summary>
        const int MaxKeptValue = 256;

        byte[] _raw = [];
        int _rawLength;
        string? _text;

        /// <summary>
        /// A string or number as the engine reads it (<see cref="JsonSigmaEvent"/>'s conversion), reusing the text
        /// of the previous event at this path when the JSON bytes are the same (host names, channels, providers,
        /// levels repeat from event to event): no transcoding and no new string for them.
        /// </summary>
        public SigmaValue Scalar(JsonElement element)
        {
            var kind = element.ValueKind == JsonValueKind.String ? SigmaValueKind.String : SigmaValueKind.Number;
            var raw = JsonMarshal.GetRawUtf8Value(element);
            if (_text is not null && raw.SequenceEqual(_raw.AsSpan(0, _rawLength)))
                return new SigmaValue(kind, _text);
            var text = kind == SigmaValueKind.String ? element.GetString()! : element.GetRawText();
            if (raw.Length <= MaxKeptValue)
            {
                if (_raw.Length < raw.Length)
                    _raw = new byte[Math.Max(raw.Length, 32)];
                raw.CopyTo(_raw);
                _rawLength = raw.Length;
                _text = text;
            }
            else
                _text = null;
            return new SigmaValue(kind, text);
        }

        public Node? Find(ReadOnlySpan<byte> raw)
        {
            var children = _children;
            if (_next < children.Count && raw.SequenceEqual(children[_next].Raw))
                return children[_next++];
            for (var i = 0; i < children.Count; i++)
                if (raw.SequenceEqual(children[i].Raw))
                {
                    _next = i + 1;
                    return children[i];
                }
            return null;
        }

        public Node Add(byte[] raw, string name, string path)
        {
            var node = new Node(raw, name, path);
            _children.Add(node);
            _next = _children.Count;
            return node;
        }
    }
}
