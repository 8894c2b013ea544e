using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace Quell.Intel.Matching;

/// <summary>
/// Loading a list of bare values (one per line, typed as <see cref="TypeDetector"/> types them), the way
/// <c>quell intel match</c> reads its indicators file. Lines in the common canonical shapes (hex digests, dotted IPv4
/// and IPv6 addresses and blocks, lower-case host names, e-mail addresses, canonical http(s) URLs) are keyed straight
/// from their bytes; every other line goes through <see cref="TypeDetector"/> and <see cref="IndicatorNormalizer"/>.
/// Both give the same keys (IndicatorIndexLoadTests compares them line by line). Lines are keyed on every core, then
/// inserted in file order as one write.
/// </summary>
public sealed partial class IndicatorIndex
{
    /// <summary>What <see cref="LoadLines"/> did: lines read, lines indexed, lines with no recognizable type.</summary>
    public sealed record LoadResult(long Lines, long Loaded, long Untyped, IReadOnlyList<string> UntypedSamples);


    /// <summary>
    /// Indexes every typed line of <paramref name="input"/> (UTF-8, one value per line) with its line number as the id.
    /// Up to <paramref name="samples"/> untyped lines are described in the result.
    /// </summary>
    public LoadResult LoadLines(Stream input, int samples = 5, CancellationToken ct = default)
    {
        // Slices of a few megabytes: memory stays bounded by the slice, not the file (at 1,000,000 lines, 32 MB).
        const int SliceBytes = 4 << 20;
        var buffer = new byte[SliceBytes];
        var carried = 0;
        long lines = 0, loaded = 0, untyped = 0;
        var samplesOut = new List<string>();
        var scratch = new LoadScratch();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var filled = carried;
            int read;
            while (filled < buffer.Length && (read = input.Read(buffer, filled, buffer.Length - filled)) > 0)
                filled += read;
            var last = filled < buffer.Length;
            var end = last ? filled : buffer.AsSpan(0, filled).LastIndexOf((byte)'\n') + 1;
            if (end == 0)
            {
                // A line longer than a slice: not an indicator (values are at most 8,192 characters); skip to its end.
                end = filled;
            }
            // After the first slice of a large file, size the tables for the whole file: growing a table step by step
            // rehashes it each time.
            var scale = lines == 0 && !last && input.CanSeek ? (double)input.Length / end : 1;
            LoadSlice(buffer.AsMemory(0, end), scale, scratch, ref lines, ref loaded, ref untyped, samplesOut, samples, ct);
            if (last)
                return new(lines, loaded, untyped, samplesOut);
            buffer.AsSpan(end, filled - end).CopyTo(buffer);
            carried = filled - end;
        }
    }

    void LoadSlice(ReadOnlyMemory<byte> text, double scale, LoadScratch scratch, ref long lines, ref long loaded, ref long untyped, List<string> samplesOut, int samples, CancellationToken ct)
    {
        var ranges = Split(text, Math.Max(1, Math.Min(Environment.ProcessorCount * 2, text.Length / (64 * 1024) + 1)));
        var keyed = scratch.Chunks(ranges.Count);
        Parallel.For(0, ranges.Count, new ParallelOptions { CancellationToken = ct }, i => KeyChunk(text.Span[ranges[i]], samples, keyed[i]));
        foreach (var chunk in keyed)
        {
            foreach (var (line, sample) in chunk.Samples)
                if (samplesOut.Count < samples)
                    samplesOut.Add($"line {lines + line}: {sample}");
            loaded += chunk.Loaded;
            untyped += chunk.Untyped;
            chunk.FirstLine = lines;
            lines += chunk.Lines;
        }

        lock (_writer)
        {
            Interlocked.Increment(ref _version);
            try
            {
                _indicators += InsertAll(keyed, scale, scratch);
            }
            finally
            {
                Interlocked.Increment(ref _version);
            }
        }
    }

    /// <summary>
    /// Inserts every chunk's keys and returns how many lines added at least one. Per table, the keys are first
    /// grouped by the region of the table they land in, so the inserts sweep the table instead of jumping across it:
    /// at a million keys that is the difference between a cache miss per insert and almost none.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    int InsertAll(Chunk[] keyed, double scale, LoadScratch scratch)
    {
        var total = keyed.Sum(c => c.Keys.Count);
        scratch.Ensure(total);
        var (keys, ids, tableOf, byTable, ordered, added) = (scratch.Keys, scratch.Ids, scratch.TableOf, scratch.ByTable, scratch.Ordered, scratch.Added);
        var n = 0;
        foreach (var chunk in keyed)
            foreach (var (key, line) in chunk.Keys)
            {
                keys[n] = key;
                ids[n++] = chunk.FirstLine + line;
            }

        // Tables by number: the five fixed ones, then IPv4 prefix lengths 0–32, then IPv6 0–128.
        var perTable = new int[5 + 33 + 129];
        for (var i = 0; i < total; i++)
        {
            var t = keys[i].Kind switch { KeyKind.V4 => 5 + keys[i].Extra, KeyKind.V6 => 38 + keys[i].Extra, var kind => (int)kind };
            tableOf[i] = t;
            perTable[t]++;
        }
        var start = new int[perTable.Length + 1];
        for (var t = 0; t < perTable.Length; t++)
            start[t + 1] = start[t] + perTable[t];
        var next = start[..^1];
        for (var i = 0; i < total; i++)
            byTable[next[tableOf[i]]++] = i;

        // The tables are independent: each is sized and filled by one thread, the largest first so that two cores
        // finish together (sizing a table faults its pages in, the bulk of a first slice's inserts). The filters Mark
        // sets are shared, so they are set afterwards on this thread.
        var filled = new List<(KeyTable Table, int Start, int Length)>();
        for (var t = 0; t < perTable.Length; t++)
            if (perTable[t] != 0)
                filled.Add((Table(keys[byTable[start[t]]], create: true)!, start[t], perTable[t]));
        filled.Sort((a, b) => b.Length.CompareTo(a.Length));
        Parallel.ForEach(filled, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, f =>
        {
            f.Table.EnsureCapacity(f.Table.Count + (int)Math.Min(int.MaxValue / 2, f.Length * scale));
            var members = ordered.AsSpan(f.Start, f.Length);
            f.Table.ByRegion(byTable.AsSpan(f.Start, f.Length), keys, members);
            foreach (var i in members)
                added[i] = f.Table.Add(keys[i].Lo, keys[i].Hi, ids[i]);
        });
        for (var i = 0; i < total; i++)
            if (added[i])
                Mark(keys[i]);

        var lines = 0;
        long last = 0;
        for (var i = 0; i < total; i++)
            if (added[i] && ids[i] != last)
            {
                last = ids[i];
                lines++;
            }
        return lines;
    }

    /// <summary>Cuts the text into about <paramref name="parts"/> ranges that end after a line break.</summary>
    static List<Range> Split(ReadOnlyMemory<byte> text, int parts)
    {
        var ranges = new List<Range>(parts);
        var span = text.Span;
        var start = 0;
        for (var i = 1; i <= parts && start < span.Length; i++)
        {
            var end = i == parts ? span.Length : Math.Max(start, (int)((long)span.Length * i / parts));
            if (end < span.Length)
            {
                var newline = span[end..].IndexOf((byte)'\n');
                end = newline < 0 ? span.Length : end + newline + 1;
            }
            ranges.Add(start..end);
            start = end;
        }
        return ranges;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void KeyChunk(ReadOnlySpan<byte> block, int samples, Chunk chunk)
    {
        chunk.Reset(block.Count((byte)'\n') + 1);
        var slow = new List<IndexKey>(2);
        while (!block.IsEmpty)
        {
            var newline = block.IndexOf((byte)'\n');
            var line = newline < 0 ? block : block[..newline];
            block = newline < 0 ? default : block[(newline + 1)..];
            var number = ++chunk.Lines;
            if (line.EndsWith("\r"u8))
                line = line[..^1];
            if (line.Trim(" \t"u8).IsEmpty)
                continue;
            if (FastKey(line) is { } key)
            {
                chunk.Keys.Add((key, number));
                chunk.Loaded++;
                continue;
            }
            var value = Encoding.UTF8.GetString(line);
            string? normalized = null;
            var error = "no type recognized";
            var detected = TypeDetector.Detect(value);
            if (detected is { } d)
                normalized = IndicatorNormalizer.Normalize(d.Type, d.Value, out error);
            if (normalized is null)
            {
                chunk.Untyped++;
                if (chunk.Samples.Count < samples)
                    chunk.Samples.Add((number, $"'{IndicatorNormalizer.Printable(value)}': {error}"));
                continue;
            }
            slow.Clear();
            Keys(detected!.Value.Type, normalized, slow);
            foreach (var k in slow)
                chunk.Keys.Add((k, number));
            chunk.Loaded++;
        }
    }

    /// <summary>
    /// The key of a line in a canonical shape, exactly as detection and normalization would key it; null sends the
    /// line to them. Anything unusual (non-ASCII, quotes, defanging, "xn--", ports, trailing dots) is left to them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal IndexKey? FastKey(ReadOnlySpan<byte> v)
    {
        if (v.IsEmpty || v.Length > IndicatorNormalizer.MaxLength)
            return null;
        // One pass classes the bytes; the shape tests below read the classes instead of scanning again.
        var classes = ByteClasses.Of(v);
        if ((classes & (ByteClasses.High | ByteClasses.Slow | ByteClasses.Unsafe)) != 0 || LooksDefangedScheme(v))
            return null;
        var scheme = (classes & ByteClasses.Colon) != 0 ? v.IndexOf("://"u8) : -1;
        if (scheme > 0)
            return FastUrlKey(v, scheme);
        if ((classes & ByteClasses.Colon) != 0)
            return ByteClasses.Only(classes, ByteClasses.Hex | ByteClasses.Colon | ByteClasses.Dot | ByteClasses.Slash)
                && ValueKeys.TryIPv6(v, out var v6, out var p6) ? V6Key(v6, p6) : null;
        if ((classes & ByteClasses.At) != 0)
            return FastEmailKey(v, v.IndexOf((byte)'@'));
        if (ByteClasses.Only(classes, ByteClasses.Digit | ByteClasses.Dot | ByteClasses.Slash))
            return ValueKeys.TryIPv4(v, out var v4, out var p4) ? V4Key(v4, p4) : null;
        if (TypeDetector.IsHashLength(v.Length) && ByteClasses.Only(classes, ByteClasses.Hex))
            return ValueKeys.TryDigest(v, _seed, out var digest) ? new(KeyKind.Hash, 0, digest.Lo, digest.Hi) : null;
        if (!ByteClasses.Only(classes, ByteClasses.Letters | ByteClasses.Digit | ByteClasses.DashOrUnderscore | ByteClasses.Dot) || v.Length > MaxHost)
            return null;
        Span<byte> host = stackalloc byte[v.Length];
        if (!DomainName(v, host))
            return null;
        var lastLabel = host[(host.LastIndexOf((byte)'.') + 1)..];
        return TypeDetector.IsFileExtension(lastLabel) ? null : Key(KeyKind.Name, host, LabelCount(host));
    }

    /// <summary>
    /// Lower-cases a name the detector reads as a domain: valid labels, no trailing dot, a last label of at least two
    /// letters (punycode labels are left to the normalizer).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static bool DomainName(ReadOnlySpan<byte> v, Span<byte> host)
    {
        if (v[^1] == '.' || v.IndexOf((byte)'.') < 0 || v.IndexOf("xn--"u8) >= 0 || v.IndexOf("XN--"u8) >= 0
            || !LowerHost(v, host, out var n) || n != v.Length)
            return false;
        var tld = host[(host.LastIndexOf((byte)'.') + 1)..];
        return tld.Length >= 2 && tld.IndexOfAnyExceptInRange((byte)'a', (byte)'z') < 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    IndexKey? FastEmailKey(ReadOnlySpan<byte> v, int at)
    {
        if (at == 0 || at == v.Length - 1 || v.IndexOf((byte)'/') >= 0 || v[..at].IndexOf((byte)'@') >= 0)
            return null;
        Span<byte> email = stackalloc byte[v.Length];
        for (var i = 0; i < at; i++)
            email[i] = (byte)(v[i] is >= (byte)'A' and <= (byte)'Z' ? v[i] | 0x20 : v[i]);
        email[at] = (byte)'@';
        var domain = v[(at + 1)..];
        if (domain[^1] == '.' || domain.IndexOf((byte)'.') < 0 || domain.IndexOf("xn--"u8) >= 0 || domain.IndexOf("XN--"u8) >= 0
            || !LowerHost(domain, email[(at + 1)..], out var n) || n != domain.Length)
            return null;
        return Key(KeyKind.Email, email);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    IndexKey? FastUrlKey(ReadOnlySpan<byte> v, int scheme)
    {
        if (!CanonicalUrl(v, scheme, out var host, out var hasPath) || host.IndexOf("xn--"u8) >= 0)
            return null;
        if (hasPath)
            return Key(KeyKind.Url, v);
        var withSlash = v.Length < 2048 ? stackalloc byte[v.Length + 1] : new byte[v.Length + 1];
        v.CopyTo(withSlash);
        withSlash[^1] = (byte)'/';
        return Key(KeyKind.Url, withSlash);
    }
}
