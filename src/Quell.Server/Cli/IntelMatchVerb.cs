using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Quell.Intel;
using Quell.Intel.Matching;
using Spectre.Console;

namespace Quell.Server.Cli;

/// <summary>
/// Loads the indicators into an <see cref="IndicatorIndex"/>, then streams VALUES in blocks of lines: blocks are
/// matched in parallel and their matches written in input order, so memory stays bounded whatever the file's size.
/// </summary>
public sealed class IntelMatchVerb(Terminal terminal)
{
    const int BlockSize = 1 << 20;
    const int MaxReported = 5;

    public int Run(string indicatorsPath, string valuesPath, CancellationToken ct)
    {
        if (!File.Exists(indicatorsPath))
            throw new CliFailure(ExitCodes.Usage, $"the indicators file '{indicatorsPath}' does not exist");
        if (valuesPath != "-" && !File.Exists(valuesPath))
            throw new CliFailure(ExitCodes.Usage, $"the values file '{valuesPath}' does not exist");

        var interactive = terminal.Error.Profile.Capabilities.Interactive;
        var index = new IndicatorIndex();
        var result = interactive
            ? terminal.Error.Status().Start("loading indicators", _ => Load(index, indicatorsPath, ct))
            : Load(index, indicatorsPath, ct);
        if (result.Untyped > 0)
        {
            terminal.Error.MarkupLine($"[yellow]warning:[/] {result.Untyped:N0} of {result.Loaded + result.Untyped:N0} indicator lines have no recognizable type and were not loaded:");
            foreach (var line in result.UntypedSamples)
                terminal.Error.MarkupLine($"  {SafeText.Markup(line)}");
        }

        using var input = valuesPath == "-" ? terminal.OpenInput() : new FileStream(valuesPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        // The matching lines are copied as bytes: decoding them to text only to encode them again was pure overhead.
        terminal.Out.Profile.Out.Writer.Flush();
        var output = terminal.OpenOutput(); // stdout itself: flushed, not closed
        if (interactive)
            terminal.Error.Status().Start("matching", ctx => Stream(index, input, output, done => ctx.Status($"matching: {done:N0} values"), ct));
        else
            Stream(index, input, output, null, ct);
        output.Flush();
        return ExitCodes.Success;
    }

    static IndicatorIndex.LoadResult Load(IndicatorIndex index, string path, CancellationToken ct)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return index.LoadLines(file, MaxReported, ct);
    }

    /// <summary>Reads blocks ending at a line break, matches up to one block per core at once, writes in order.</summary>
    static void Stream(IndicatorIndex index, Stream input, Stream output, Action<long>? progress, CancellationToken ct)
    {
        var pending = new Queue<(Task<Matched> Task, byte[] Block)>();
        var carry = Array.Empty<byte>();
        var carried = 0;
        long done = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            // Pooled: a new 1 MB array per block would be a large-object allocation every millisecond.
            var block = ArrayPool<byte>.Shared.Rent(carried + BlockSize);
            carry.AsSpan(0, carried).CopyTo(block);
            var filled = carried;
            var size = carried + BlockSize;
            int read;
            while (filled < size && (read = input.Read(block, filled, size - filled)) > 0)
                filled += read;
            var last = filled < size; // the stream ended inside this block
            var end = last || filled == carried ? filled : block.AsSpan(0, filled).LastIndexOf((byte)'\n') + 1;
            if (end == 0)
                end = filled; // a line longer than a block
            if (carry.Length < filled - end)
                carry = new byte[Math.Max(filled - end, BlockSize)];
            block.AsSpan(end, filled - end).CopyTo(carry);
            carried = filled - end;
            var length = end;
            pending.Enqueue((Task.Run(() => MatchBlock(index, block.AsSpan(0, length))), block));
            while (pending.Count > Environment.ProcessorCount || (last && pending.Count > 0))
            {
                var (task, used) = pending.Dequeue();
                var matched = task.GetAwaiter().GetResult();
                ArrayPool<byte>.Shared.Return(used);
                output.Write(matched.Lines, 0, matched.Length);
                ArrayPool<byte>.Shared.Return(matched.Lines);
                done += matched.Count;
                progress?.Invoke(done);
            }
            if (last)
                return;
        }
    }

    /// <summary>
    /// The lines of a block (without their line breaks, nor a carriage return before one); a last line without a
    /// break counts. The breaks are found 32 bytes at a time: a search call per line cost more than the lines' lookups
    /// on values this short.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int SplitLines(ReadOnlySpan<byte> block, Span<Range> lines)
    {
        var n = 0;
        var at = 0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var first = ref MemoryMarshal.GetReference(block);
            var newline = Vector256.Create((byte)'\n');
            for (; i + Vector256<byte>.Count <= block.Length; i += Vector256<byte>.Count)
            {
                var breaks = Vector256.Equals(Vector256.LoadUnsafe(ref first, (nuint)i), newline).ExtractMostSignificantBits();
                while (breaks != 0)
                {
                    var end = i + BitOperations.TrailingZeroCount(breaks);
                    breaks &= breaks - 1;
                    lines[n++] = Line(block, at, end);
                    at = end + 1;
                }
            }
        }
        for (; i < block.Length; i++)
            if (block[i] == '\n')
            {
                lines[n++] = Line(block, at, i);
                at = i + 1;
            }
        if (at < block.Length)
            lines[n++] = Line(block, at, block.Length);
        return n;
    }

    static Range Line(ReadOnlySpan<byte> block, int start, int end) => start..(end > start && block[end - 1] == '\r' ? end - 1 : end);

    /// <summary>A block's matching lines, each followed by a line break, in a pooled buffer; and how many lines the block held.</summary>
    readonly record struct Matched(byte[] Lines, int Length, int Count);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static Matched MatchBlock(IndicatorIndex index, ReadOnlySpan<byte> block)
    {
        var count = block.Count((byte)'\n') + 1;
        var lines = ArrayPool<Range>.Shared.Rent(count);
        var matched = ArrayPool<bool>.Shared.Rent(count);
        try
        {
            var n = SplitLines(block, lines);
            // One lookup per line, in groups whose probes overlap (IndicatorIndex.IsMatch on many values).
            index.IsMatch(block, lines.AsSpan(0, n), matched.AsSpan(0, n));
            // The matches are at most the block itself, with a line break added to a last line that had none.
            var output = ArrayPool<byte>.Shared.Rent(block.Length + 1);
            var length = 0;
            for (var i = 0; i < n; i++)
            {
                if (!matched[i])
                    continue;
                var line = block[lines[i]];
                line.CopyTo(output.AsSpan(length));
                length += line.Length;
                output[length++] = (byte)'\n';
            }
            return new(output, length, n);
        }
        finally
        {
            ArrayPool<Range>.Shared.Return(lines);
            ArrayPool<bool>.Shared.Return(matched);
        }
    }
}
