namespace Quell.Detection.Sigma;

/// <summary>
/// Case-insensitive multi-pattern search (Aho-Corasick compiled into a DFA). Characters that occur in no needle
/// share one alphabet class, so the transition table is nodes × (distinct needle characters + 1).
/// </summary>
internal sealed class AhoCorasick
{
    /// <summary>Needles are cut to this length: a prefix of a needle is found wherever the needle is.</summary>
    public const int MaxNeedleLength = 32;

    readonly int[] _ascii = new int[128];
    readonly Dictionary<char, int> _other = [];
    readonly int _classes;
    readonly int[] _delta;
    readonly int[][] _outputs;

    public AhoCorasick(IReadOnlyList<string> needles)
    {
        var alphabet = new Dictionary<char, int>();
        foreach (var needle in needles)
            foreach (var c in Cut(needle))
                alphabet.TryAdd(Fold(c), alphabet.Count + 1);
        _classes = alphabet.Count + 1;
        foreach (var (c, id) in alphabet)
        {
            if (c < 128)
            {
                _ascii[c] = id;
                if (c is >= 'A' and <= 'Z')
                    _ascii[c + 32] = id;
            }
            else
            {
                _other[c] = id;
                var lower = char.ToLowerInvariant(c);
                if (lower != c)
                    _other[lower] = id;
            }
        }

        // The trie.
        var children = new List<Dictionary<int, int>> { new() };
        var outputs = new List<List<int>> { new() };
        for (var n = 0; n < needles.Count; n++)
        {
            var node = 0;
            foreach (var c in Cut(needles[n]))
            {
                var cls = alphabet[Fold(c)];
                if (!children[node].TryGetValue(cls, out var next))
                {
                    next = children.Count;
                    children.Add([]);
                    outputs.Add([]);
                    children[node][cls] = next;
                }
                node = next;
            }
            outputs[node].Add(n);
        }

        // Breadth first: failure links, outputs merged along them, and the full transition table.
        _delta = new int[children.Count * _classes];
        var fail = new int[children.Count];
        var queue = new Queue<int>();
        foreach (var (cls, child) in children[0])
        {
            _delta[cls] = child;
            queue.Enqueue(child);
        }
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            if (fail[node] != 0)
                outputs[node].AddRange(outputs[fail[node]]);
            for (var cls = 0; cls < _classes; cls++)
            {
                if (children[node].TryGetValue(cls, out var child))
                {
                    fail[child] = node == 0 ? 0 : _delta[fail[node] * _classes + cls];
                    _delta[node * _classes + cls] = child;
                    queue.Enqueue(child);
                }
                else
                    _delta[node * _classes + cls] = _delta[fail[node] * _classes + cls];
            }
        }
        _outputs = [.. outputs.Select(o => o.Count == 0 ? [] : o.Distinct().ToArray())];
        // Transitions hold the next state's row offset (no multiplication per character), negative when that state
        // reports needles (one test per character).
        for (var i = 0; i < _delta.Length; i++)
        {
            var next = _delta[i];
            _delta[i] = next * _classes | (_outputs[next].Length != 0 ? int.MinValue : 0);
        }
    }

    public int Nodes => _outputs.Length;

    static ReadOnlySpan<char> Cut(string needle) => needle.AsSpan(0, Math.Min(needle.Length, MaxNeedleLength));

    static char Fold(char c) => c < 128 ? (c is >= 'a' and <= 'z' ? (char)(c - 32) : c) : char.ToUpperInvariant(c);

    /// <summary>
    /// Adds the index of every needle found in <paramref name="text"/> whose <paramref name="seen"/> entry is not
    /// <paramref name="generation"/>, and marks it: with one generation per scan, each needle is reported once however
    /// often it occurs (a backslash in a path). <paramref name="seen"/> has an entry per needle.
    /// </summary>
    public void Search(ReadOnlySpan<char> text, List<int> found, int[] seen, int generation)
    {
        var row = 0;
        var delta = _delta;
        var ascii = _ascii;
        foreach (var c in text)
        {
            var cls = c < 128 ? ascii[c] : _other.GetValueOrDefault(c);
            var next = delta[row + cls];
            if (next < 0)
            {
                row = next & int.MaxValue;
                foreach (var needle in _outputs[row / _classes])
                    if (seen[needle] != generation)
                    {
                        seen[needle] = generation;
                        found.Add(needle);
                    }
            }
            else
                row = next;
        }
    }
}
