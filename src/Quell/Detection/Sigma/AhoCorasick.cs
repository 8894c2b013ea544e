namespace Quell.Detection.Sigma;

/// <summary>
/// Case-insensitive multi-pattern search (Aho-Corasick). Transitions on ASCII needle characters are a DFA table of
/// nodes × (distinct ASCII needle characters + 1), one column shared by every character in no needle; transitions on
/// other needle characters follow the trie and its failure links. SigmaHQ's command-line needles hold about 1,300
/// distinct non-ASCII characters (homoglyph and encoding rules): as table columns they made a 300 MB table, one
/// cache miss per character scanned, while events rarely contain such characters.
/// </summary>
internal sealed class AhoCorasick
{
    /// <summary>Needles are cut to this length: a prefix of a needle is found wherever the needle is.</summary>
    public const int MaxNeedleLength = 32;

    readonly int[] _ascii = new int[128];
    readonly Dictionary<char, int> _other = [];
    // Table columns: ASCII classes and class 0; classes from _classes on are non-ASCII and walked.
    readonly int _classes;
    readonly int[] _delta;
    readonly int[][] _outputs;
    readonly int[] _fail;
    // Trie edges on non-ASCII classes, keyed by (node, class).
    readonly Dictionary<long, int> _rare = [];

    public AhoCorasick(IReadOnlyList<string> needles)
    {
        CanMatchNumbers = needles.Any(n => Cut(n).IndexOfAnyExcept("0123456789+-.eE") < 0);
        CanMatchBooleans = needles.Any(n => "true".AsSpan().Contains(Cut(n), StringComparison.OrdinalIgnoreCase) || "false".AsSpan().Contains(Cut(n), StringComparison.OrdinalIgnoreCase));
        var alphabet = new Dictionary<char, int>();
        foreach (var needle in needles)
            foreach (var c in Cut(needle))
                if (Fold(c) < 128)
                    alphabet.TryAdd(Fold(c), alphabet.Count + 1);
        _classes = alphabet.Count + 1;
        foreach (var needle in needles)
            foreach (var c in Cut(needle))
                alphabet.TryAdd(Fold(c), alphabet.Count + 1);
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
                    if (cls >= _classes)
                        _rare[Edge(node, cls)] = next;
                }
                node = next;
            }
            outputs[node].Add(n);
        }

        // Breadth first: failure links, outputs merged along them, and the table's transitions.
        _delta = new int[children.Count * _classes];
        _fail = new int[children.Count];
        var queue = new Queue<int>();
        foreach (var (cls, child) in children[0])
        {
            if (cls < _classes)
                _delta[cls] = child;
            queue.Enqueue(child);
        }
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            if (_fail[node] != 0)
                outputs[node].AddRange(outputs[_fail[node]]);
            foreach (var (cls, child) in children[node])
            {
                if (cls >= _classes)
                {
                    _fail[child] = node == 0 ? 0 : Walk(_fail[node], cls);
                    queue.Enqueue(child);
                }
            }
            for (var cls = 0; cls < _classes; cls++)
            {
                if (children[node].TryGetValue(cls, out var child))
                {
                    _fail[child] = node == 0 ? 0 : _delta[_fail[node] * _classes + cls];
                    _delta[node * _classes + cls] = child;
                    queue.Enqueue(child);
                }
                else
                    _delta[node * _classes + cls] = _delta[_fail[node] * _classes + cls];
            }
        }
        _outputs = [.. outputs.Select(o => o.Count == 0 ? [] : o.Distinct().ToArray())];
        // Transitions hold the next state's row offset (no multiplication per character), negative when that state
        // reports needles (one test per character).
        for (var i = 0; i < _delta.Length; i++)
            _delta[i] = Encode(_delta[i]);
    }

    public int Nodes => _outputs.Length;

    /// <summary>Size of the transition table (for profiling).</summary>
    public long TableBytes => (long)_delta.Length * sizeof(int);

    /// <summary>
    /// Whether a needle can occur in a number's JSON spelling (digits, sign, point, exponent) or in <c>true</c> /
    /// <c>false</c>: when not, numbers and booleans need no scan. Keyword automata run over every value of an event,
    /// and a Windows event has a dozen numbers.
    /// </summary>
    public bool CanMatchNumbers { get; }

    public bool CanMatchBooleans { get; }

    static ReadOnlySpan<char> Cut(string needle) => needle.AsSpan(0, Math.Min(needle.Length, MaxNeedleLength));

    static char Fold(char c) => c < 128 ? (c is >= 'a' and <= 'z' ? (char)(c - 32) : c) : char.ToUpperInvariant(c);

    static long Edge(int node, int cls) => (long)node << 32 | (uint)cls;

    int Encode(int node) => node * _classes | (_outputs[node].Length != 0 ? int.MinValue : 0);

    /// <summary>
    /// The class of a text character that is no needle character nor one's lower case, by its upper case: the rules
    /// compare with OrdinalIgnoreCase, for which "ſ" is "S" and "ı" is "I", so the prefilter must find them too.
    /// </summary>
    int Folded(char c)
    {
        var upper = char.ToUpperInvariant(c);
        return upper == c ? 0 : upper < 128 ? _ascii[upper] : _other.GetValueOrDefault(upper);
    }

    /// <summary>The state after a non-ASCII needle character: the trie edge from the node or from its failure links.</summary>
    int Walk(int node, int cls)
    {
        while (true)
        {
            if (_rare.TryGetValue(Edge(node, cls), out var child))
                return child;
            if (node == 0)
                return 0;
            node = _fail[node];
        }
    }

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
        var classes = _classes;
        foreach (var c in text)
        {
            int next;
            if (c < 128)
                next = delta[row + ascii[c]];
            else
            {
                if (!_other.TryGetValue(c, out var cls))
                    cls = Folded(c);
                next = cls < classes ? delta[row + cls] : Encode(Walk(row / classes, cls));
            }
            if (next < 0)
            {
                row = next & int.MaxValue;
                foreach (var needle in _outputs[row / classes])
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
