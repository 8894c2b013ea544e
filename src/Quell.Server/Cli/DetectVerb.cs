using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Quell.Detection.Sigma;
using Spectre.Console;

namespace Quell.Server.Cli;

/// <summary>
/// Loads Sigma rules into a <see cref="SigmaEngine"/>, then matches each events file. NDJSON is streamed in blocks of
/// lines matched in parallel and written in input order, so memory stays bounded whatever the file's size; arrays
/// and concatenated objects (SigmaHQ's regression data) are read whole. Matches of rules that correlations use are fed,
/// in input order, to one correlator for the whole run (see DetectVerb.Correlation.cs).
/// </summary>
public sealed partial class DetectVerb(Terminal terminal)
{
    const int BlockSize = 1 << 20;
    const int MaxReported = 5;

    sealed record Match(SigmaRule Rule, string Source, long Event, string Json);

    sealed class BatchResult
    {
        // Output buffers grow to about a block's size, in the large object heap: reused, they no longer trigger a
        // full collection every few blocks.
        static readonly ConcurrentQueue<ArrayBufferWriter<byte>> Buffers = new();

        public readonly ArrayBufferWriter<byte> Json = Buffers.TryDequeue(out var b) ? b : new ArrayBufferWriter<byte>(BlockSize);

        /// <summary>Gives the output buffer back once the batch has been written.</summary>
        public void Release()
        {
            Json.ResetWrittenCount();
            if (Buffers.Count < 16)
                Buffers.Enqueue(Json);
        }

        public readonly List<Match> Table = [];
        public readonly List<(long Index, string Reason)> Errors = [];
        public readonly List<Correlated> Correlated = [];
        public long Events;
        public long Matches;
    }

    long _events;
    long _matches;
    long _unreadable;
    readonly List<string> _unreadableSamples = [];

    public int Run(IReadOnlyList<string> ruleDirectories, IReadOnlyList<string> eventFiles, bool json, CancellationToken ct) =>
        Run(ruleDirectories, eventFiles, json, SigmaRuleSelection.All, ct);

    public int Run(IReadOnlyList<string> ruleDirectories, IReadOnlyList<string> eventFiles, bool json, SigmaRuleSelection selection, CancellationToken ct)
    {
        foreach (var dir in ruleDirectories)
            if (!Directory.Exists(dir))
                throw new CliFailure(ExitCodes.Usage, $"the rules directory '{dir}' does not exist");
        foreach (var file in eventFiles)
            if (!File.Exists(file))
                throw new CliFailure(ExitCodes.Usage, $"the events file '{file}' does not exist");

        var interactive = terminal.Error.Profile.Capabilities.Interactive;
        var loaded = interactive
            ? terminal.Error.Status().Start("loading rules", _ => Load(ruleDirectories))
            : Load(ruleDirectories);
        var catalog = SigmaCatalog.Build(loaded, selection);
        var total = loaded.Rules.Count + loaded.Correlations.Count + loaded.Filters.Count + loaded.Problems.Count;
        if (catalog.Problems.Count > 0)
        {
            terminal.Error.MarkupLine($"[yellow]warning:[/] {catalog.Problems.Count:N0} of {total:N0} rules were not loaded:");
            foreach (var problem in catalog.Problems)
                terminal.Error.MarkupLine($"  {SafeText.Markup(problem.ToString())}");
        }
        if (catalog.NotEnabled.Count > 0)
        {
            terminal.Error.MarkupLine($"{catalog.NotEnabled.Count:N0} rules are not enabled by the selection ({SafeText.Markup(selection.ToString())}):");
            foreach (var problem in catalog.NotEnabled)
                terminal.Error.MarkupLine($"  {SafeText.Markup(problem.ToString())}");
        }
        var correlator = catalog.CreateCorrelator<EventRef>();
        var table = json ? null : new Table().AddColumns("level", "rule", "id", "source", "event");
        var output = terminal.Out.Profile.Out.Writer;
        // JSON matches are UTF-8 already: they go to stdout as bytes, not decoded to text and encoded again.
        var raw = table is null ? terminal.OpenOutput() : null;

        foreach (var file in eventFiles)
        {
            void Emit(BatchResult r)
            {
                if (table is null)
                {
                    output.Flush(); // correlations are written as text in between
                    raw!.Write(r.Json.WrittenSpan);
                }
                else
                    foreach (var m in r.Table)
                        table.AddRow(SafeText.Markup(m.Rule.Level ?? ""), SafeText.Markup(m.Rule.Title), SafeText.Markup(m.Rule.Id ?? ""), SafeText.Markup(m.Source), (m.Event + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                foreach (var (index, reason) in r.Errors)
                {
                    _unreadable++;
                    if (_unreadableSamples.Count < MaxReported)
                        _unreadableSamples.Add($"{file}: event {index + 1:N0}: {reason}");
                }
                _events += r.Events;
                _matches += r.Matches;
                r.Release();
                Correlate(correlator, file, r.Correlated, table, output);
            }
            try
            {
                if (interactive)
                    terminal.Error.Status().Start($"matching {file}", ctx => MatchFile(catalog, file, table is null, Emit, () => ctx.Status($"matching {file}: {_events:N0} events, {_matches:N0} matches"), ct));
                else
                    MatchFile(catalog, file, table is null, Emit, null, ct);
            }
            catch (IOException e)
            {
                throw new CliFailure(ExitCodes.Usage, $"the events file '{file}' cannot be read: {e.Message}");
            }
            catch (UnauthorizedAccessException e)
            {
                throw new CliFailure(ExitCodes.Usage, $"the events file '{file}' cannot be read: {e.Message}");
            }
            catch (JsonException e)
            {
                throw new CliFailure(ExitCodes.Usage, $"the events file '{file}' is not JSON events (NDJSON, an array or objects one after another): {e.Message}");
            }
        }
        FlushCorrelations(correlator, table, output);
        output.Flush();
        raw?.Flush();
        if (table is not null)
        {
            if (table.Rows.Count > 0)
                terminal.Out.Write(table);
        }
        terminal.Error.MarkupLine($"{_events:N0} events, {_matches:N0} matches, {catalog.ReportingCount:N0} rules" +
            (catalog.Correlations.Count > 0 ? $"; {_correlationMatches:N0} of the matches from {catalog.Correlations.Count:N0} correlation rules" : ""));
        ReportCorrelationLimits(correlator);
        if (_unreadable > 0)
        {
            terminal.Error.MarkupLine($"[yellow]warning:[/] {_unreadable:N0} events were not JSON objects and were not matched:");
            foreach (var s in _unreadableSamples)
                terminal.Error.MarkupLine($"  {SafeText.Markup(s)}");
            return ExitCodes.Failed;
        }
        return ExitCodes.Success;
    }

    /// <summary>How rules are read: the values of <c>%placeholder%</c>s for the <c>expand</c> modifier (<c>--placeholders</c>).</summary>
    public SigmaReaderOptions Reader { get; init; } = new();

    SigmaLoadResult Load(IReadOnlyList<string> directories) =>
        SigmaLoadResult.Combine(directories.Select(d => SigmaRuleLoader.LoadDirectory(d, Reader)));

    static void MatchFile(SigmaCatalog catalog, string path, bool json, Action<BatchResult> emit, Action? progress, CancellationToken ct)
    {
        using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        if (IsNdjson(input))
        {
            StreamLines(catalog, path, input, json, emit, progress, ct);
            return;
        }
        // Arrays and pretty-printed objects are read whole (SigmaHQ's regression files are small).
        var bytes = new byte[input.Length];
        input.ReadExactly(bytes);
        var events = SigmaEventReader.ReadAll(bytes);
        var pending = new Queue<Task<BatchResult>>();
        const int Batch = 2048;
        for (var start = 0; start < events.Count; start += Batch)
        {
            ct.ThrowIfCancellationRequested();
            var from = start;
            var slice = events.GetRange(start, Math.Min(Batch, events.Count - start));
            pending.Enqueue(Task.Run(() => MatchElements(catalog, path, slice, from, json)));
            while (pending.Count > Environment.ProcessorCount)
                Drain(pending, emit, progress);
        }
        while (pending.Count > 0)
            Drain(pending, emit, progress);
    }

    static void Drain(Queue<Task<BatchResult>> pending, Action<BatchResult> emit, Action? progress)
    {
        emit(pending.Dequeue().GetAwaiter().GetResult());
        progress?.Invoke();
    }

    /// <summary>NDJSON when the first line holds exactly one complete JSON object.</summary>
    static bool IsNdjson(FileStream input)
    {
        var head = new byte[Math.Min(input.Length, BlockSize)];
        input.ReadExactly(head);
        input.Position = 0;
        var span = head.AsSpan();
        var newline = span.IndexOf((byte)'\n');
        if (newline < 0)
            return false;
        var line = span[..newline].Trim(" \t\r"u8);
        if (line.IsEmpty || line[0] != '{')
            return false;
        try
        {
            var reader = new Utf8JsonReader(line);
            reader.Read();
            reader.Skip();
            return !reader.Read(); // nothing after the object on its line
        }
        catch (JsonException)
        {
            return false;
        }
    }

    static void StreamLines(SigmaCatalog catalog, string path, Stream input, bool json, Action<BatchResult> emit, Action? progress, CancellationToken ct)
    {
        var pending = new Queue<(Task<BatchResult> Task, byte[] Block)>();
        var carry = Array.Empty<byte>();
        var carried = 0;
        long line = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var block = ArrayPool<byte>.Shared.Rent(carried + BlockSize);
            carry.AsSpan(0, carried).CopyTo(block);
            var filled = carried;
            var size = carried + BlockSize;
            int read;
            while (filled < size && (read = input.Read(block, filled, size - filled)) > 0)
                filled += read;
            var last = filled < size;
            var end = last || filled == carried ? filled : block.AsSpan(0, filled).LastIndexOf((byte)'\n') + 1;
            if (end == 0)
                end = filled; // a line longer than a block is read in pieces, each reported as not JSON
            if (carry.Length < filled - end)
                carry = new byte[Math.Max(filled - end, BlockSize)];
            block.AsSpan(end, filled - end).CopyTo(carry);
            carried = filled - end;
            var length = end;
            var firstLine = line;
            line += block.AsSpan(0, length).Count((byte)'\n') + (last && length > 0 && block[length - 1] != '\n' ? 1 : 0);
            pending.Enqueue((Task.Run(() => MatchLines(catalog, path, block.AsMemory(0, length), firstLine, json)), block));
            while (pending.Count > Environment.ProcessorCount || (last && pending.Count > 0))
            {
                var (task, used) = pending.Dequeue();
                var result = task.GetAwaiter().GetResult();
                ArrayPool<byte>.Shared.Return(used);
                emit(result);
                progress?.Invoke();
            }
            if (last)
                return;
        }
    }

    static BatchResult MatchLines(SigmaCatalog catalog, string path, ReadOnlyMemory<byte> block, long firstLine, bool json)
    {
        var result = new BatchResult();
        var matcher = catalog.Engine.CreateMatcher();
        var matches = new List<SigmaRule>();
        var view = new JsonSigmaEvent(default);
        using var writer = new Utf8JsonWriter(result.Json);
        var rest = block;
        var index = firstLine;
        while (!rest.IsEmpty)
        {
            var newline = rest.Span.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? default : rest[(newline + 1)..];
            var trimmed = line.Span.Trim(" \t\r"u8);
            if (trimmed.IsEmpty)
            {
                index++;
                continue;
            }
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                result.Errors.Add((index++, e.Message));
                continue;
            }
            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    result.Errors.Add((index, $"a {document.RootElement.ValueKind}, not an object"));
                else
                    MatchOne(catalog, matcher, matches, view, document.RootElement, path, index, json, result, writer);
            }
            index++;
        }
        return result;
    }

    static BatchResult MatchElements(SigmaCatalog catalog, string path, List<JsonElement> events, long first, bool json)
    {
        var result = new BatchResult();
        var matcher = catalog.Engine.CreateMatcher();
        var matches = new List<SigmaRule>();
        var view = new JsonSigmaEvent(default);
        using var writer = new Utf8JsonWriter(result.Json);
        for (var i = 0; i < events.Count; i++)
            MatchOne(catalog, matcher, matches, view, events[i], path, first + i, json, result, writer);
        return result;
    }

    /// <summary>Matches one event, read into <paramref name="e"/> (one reused view per batch).</summary>
    static void MatchOne(SigmaCatalog catalog, SigmaMatcher matcher, List<SigmaRule> matches, JsonSigmaEvent e, JsonElement element, string path, long index, bool json, BatchResult result, Utf8JsonWriter writer)
    {
        result.Events++;
        matches.Clear();
        e.Read(element);
        if (matcher.Match(e, matches) == 0)
            return;
        foreach (var rule in matches)
        {
            if (catalog.Correlates(rule))
                result.Correlated.Add(Correlated.Of(catalog, rule, e, index));
            if (!catalog.Reports(rule))
                continue;
            result.Matches++;
            if (!json)
            {
                result.Table.Add(new Match(rule, path, index, ""));
                continue;
            }
            writer.WriteStartObject();
            writer.WriteStartObject("rule");
            writer.WriteString("id", rule.Id);
            writer.WriteString("title", rule.Title);
            writer.WriteString("level", rule.Level);
            writer.WriteStartArray("tags");
            foreach (var tag in rule.Tags)
                writer.WriteStringValue(tag);
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteString("type", "rule");
            writer.WriteString("source", path);
            writer.WritePropertyName("event");
            // The event's bytes as read (the parser validated them) are copied rather than re-serialized; an event spread
            // over lines (pretty-printed files) is re-serialized, to keep one match per line.
            var raw = JsonMarshal.GetRawUtf8Value(element);
            if (raw.IndexOfAny((byte)'\n', (byte)'\r') < 0)
                writer.WriteRawValue(raw, skipInputValidation: true);
            else
                element.WriteTo(writer);
            writer.WriteEndObject();
            writer.Flush();
            result.Json.Write("\n"u8);
            writer.Reset();
        }
    }
}
