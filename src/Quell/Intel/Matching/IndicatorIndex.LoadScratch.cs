namespace Quell.Intel.Matching;

public sealed partial class IndicatorIndex
{
    /// <summary>The keys of one range of a slice's lines, with the line number (within the range) of each.</summary>
    sealed class Chunk
    {
        public readonly List<(IndexKey Key, int Line)> Keys = [];
        public readonly List<(int Line, string Sample)> Samples = [];
        public int Lines;
        public int Loaded;
        public int Untyped;
        public long FirstLine;

        public void Reset(int lines)
        {
            Keys.Clear();
            Keys.EnsureCapacity(lines);
            Samples.Clear();
            Lines = Loaded = Untyped = 0;
            FirstLine = 0;
        }
    }

    /// <summary>
    /// The working arrays of <see cref="LoadLines"/>, kept from one slice to the next. Fresh ones per slice were about
    /// 9 MB of large objects each time: at a million lines, some 18,000 page faults and the collections that freed
    /// them, for memory the previous slice had just let go of.
    /// </summary>
    sealed class LoadScratch
    {
        Chunk[] _chunks = [];
        public IndexKey[] Keys = [];
        public long[] Ids = [];
        public int[] TableOf = [];
        public int[] ByTable = [];
        public int[] Ordered = [];
        public bool[] Added = [];

        /// <summary><paramref name="count"/> chunks to fill (their lists keep their capacity).</summary>
        public Chunk[] Chunks(int count)
        {
            if (_chunks.Length != count)
            {
                var kept = _chunks;
                _chunks = new Chunk[count];
                for (var i = 0; i < count; i++)
                    _chunks[i] = i < kept.Length ? kept[i] : new Chunk();
            }
            return _chunks;
        }

        /// <summary>Room for <paramref name="keys"/> keys in every array; <see cref="Added"/> cleared.</summary>
        public void Ensure(int keys)
        {
            if (Keys.Length < keys)
            {
                // A little spare: the next slice usually holds a few more keys than this one.
                var length = keys + keys / 8;
                Keys = new IndexKey[length];
                Ids = new long[length];
                TableOf = new int[length];
                ByTable = new int[length];
                Ordered = new int[length];
                Added = new bool[length];
            }
            else
                Array.Clear(Added, 0, keys);
        }
    }
}
