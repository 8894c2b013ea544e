using System.Text;
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
        var (loaded, untyped) = interactive
            ? terminal.Error.Status().Start("loading indicators", _ => Load(index, indicatorsPath, ct))
            : Load(index, indicatorsPath, ct);
        if (untyped.Count > 0)
        {
            terminal.Error.MarkupLine($"[yellow]warning:[/] {untyped.Count:N0} of {loaded + untyped.Count:N0} indicator lines have no recognizable type and were not loaded:");
            foreach (var line in untyped.Lines)
                terminal.Error.MarkupLine($"  {SafeText.Markup(line)}");
        }

        using var input = valuesPath == "-" ? terminal.OpenInput() : new FileStream(valuesPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var output = terminal.Out.Profile.Out.Writer;
        if (interactive)
            terminal.Error.Status().Start("matching", ctx => Stream(index, input, output, done => ctx.Status($"matching: {done:N0} values"), ct));
        else
            Stream(index, input, output, null, ct);
        output.Flush();
        return ExitCodes.Success;
    }

    sealed record Untyped(int Count, List<string> Lines);

    static (int Loaded, Untyped Untyped) Load(IndicatorIndex index, string path, CancellationToken ct)
    {
        var loaded = 0;
        var untyped = new Untyped(0, []);
        var count = 0;
        // Typing and normalizing is most of the load and independent per line: done on every core, in file order;
        // the index takes its writes one at a time.
        var prepared = File.ReadLines(path).Select((line, i) => (Line: line, Number: i + 1L))
            .AsParallel().AsOrdered().WithCancellation(ct)
            .Where(x => !string.IsNullOrWhiteSpace(x.Line))
            .Select(x =>
            {
                string? normalized = null;
                string? error = "no type recognized";
                var detected = TypeDetector.Detect(x.Line);
                if (detected is { } d)
                    normalized = IndicatorNormalizer.Normalize(d.Type, d.Value, out error);
                return (x.Line, x.Number, Type: detected?.Type, Normalized: normalized, Error: error);
            });
        foreach (var p in prepared)
        {
            if (p.Normalized is not null)
            {
                index.Add(p.Number, p.Type!, p.Normalized);
                loaded++;
                continue;
            }
            count++;
            if (untyped.Lines.Count < MaxReported)
                untyped.Lines.Add($"line {p.Number}: '{Printable(p.Line)}': {p.Error}");
        }
        return (loaded, untyped with { Count = count });
    }

    /// <summary>An untrusted line quoted in a message: control characters escaped, long lines cut.</summary>
    static string Printable(string s) =>
        string.Concat((s.Length > 80 ? s[..80] + "…" : s).Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));

    /// <summary>Reads blocks ending at a line break, matches up to one block per core at once, writes in order.</summary>
    static void Stream(IndicatorIndex index, Stream input, TextWriter output, Action<long>? progress, CancellationToken ct)
    {
        var pending = new Queue<Task<(string Matches, int Lines)>>();
        var carry = Array.Empty<byte>();
        long done = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var block = new byte[carry.Length + BlockSize];
            carry.CopyTo(block, 0);
            var filled = carry.Length;
            int read;
            while (filled < block.Length && (read = input.Read(block, filled, block.Length - filled)) > 0)
                filled += read;
            var end = filled == carry.Length ? filled : Array.LastIndexOf(block, (byte)'\n', filled - 1, filled) + 1;
            var last = filled < block.Length; // the stream ended inside this block
            if (last || end == 0)
                end = filled; // the final (unterminated) line, or one longer than a block
            carry = block[end..filled];
            var length = end;
            pending.Enqueue(Task.Run(() => MatchBlock(index, block.AsSpan(0, length))));
            while (pending.Count > Environment.ProcessorCount || (last && pending.Count > 0))
            {
                var (matches, lines) = pending.Dequeue().GetAwaiter().GetResult();
                output.Write(matches);
                done += lines;
                progress?.Invoke(done);
            }
            if (last)
                return;
        }
    }

    static (string Matches, int Lines) MatchBlock(IndicatorIndex index, ReadOnlySpan<byte> block)
    {
        var matches = new StringBuilder();
        var lines = 0;
        while (!block.IsEmpty)
        {
            var newline = block.IndexOf((byte)'\n');
            var line = newline < 0 ? block : block[..newline];
            block = newline < 0 ? default : block[(newline + 1)..];
            lines++;
            if (line.EndsWith("\r"u8))
                line = line[..^1];
            if (!line.IsEmpty && index.IsMatch(line))
                matches.Append(Encoding.UTF8.GetString(line)).Append('\n');
        }
        return (matches.ToString(), lines);
    }
}
