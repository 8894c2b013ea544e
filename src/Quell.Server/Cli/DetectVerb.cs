using System.Buffers;
using System.Text;
using System.Text.Json;
using Quell.Detection.Sigma;
using Spectre.Console;

namespace Quell.Server.Cli;

/// <summary>
/// Loads Sigma rules into a <see cref="SigmaEngine"/>, then matches each events file. NDJSON is streamed in blocks of
/// lines matched in parallel and written in input order, so memory stays bounded whatever the file's size; arrays
/// and concatenated objects (SigmaHQ's regression data) are read whole.
/// </summary>
public sealed class DetectVerb(Terminal terminal)
{
    const int BlockSize = 1 << 20;
    const int MaxReported = 5;

    sealed record Match(SigmaRule Rule, string Source, long Event, string Json);

    sealed class BatchResult
    {
        public readonly ArrayBufferWriter<byte> Json = new();
        public readonly List<Match> Table = [];
        public readonly List<(long Index, string Reason)> Errors = [];
        public long Events;
        public long Matches;
    }

    long _events;
    long _matches;
    long _unreadable;
    readonly List<string> _unreadableSamples = [];

    public int Run(IReadOnlyList<string> ruleDirectories, IReadOnlyList<string> eventFiles, bool json, CancellationToken ct)
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
        if (loaded.Problems.Count > 0)
        {
            terminal.Error.MarkupLine($"[yellow]warning:[/] {loaded.Problems.Count:N0} of {loaded.Rules.Count + loaded.Problems.Count:N0} rules were not loaded:");
            foreach (var problem in loaded.Problems)
                terminal.Error.MarkupLine($"  {SafeText.Markup(problem.ToString())}");
        }
        var engine = new SigmaEngine(loaded.Rules);
        var table = json ? null : new Table().AddColumns("level", "rule", "id", "source", "event");
        var output = terminal.Out.Profile.Out.Writer;

        foreach (var file in eventFiles)
        {
            void Emit(BatchResult r)
            {
                if (table is null)
                {
                    output.Write(Encoding.UTF8.GetString(r.Json.WrittenSpan));
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
            }
            try
            {
                if (interactive)
                    terminal.Error.Status().Start($"matching {file}", ctx => MatchFile(engine, file, table is null, Emit, () => ctx.Status($"matching {file}: {_events:N0} events, {_matches:N0} matches"), ct));
                else
                    MatchFile(engine, file, table is null, Emit, null, ct);
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
        output.Flush();
        if (table is not null)
        {
            if (table.Rows.Count > 0)
                terminal.Out.Write(table);
        }
        terminal.Error.MarkupLine($"{_events:N0} events, {_matches:N0} matches, {loaded.Rules.Count:N0} rules");
        if (_unreadable > 0)
        {
            terminal.Error.MarkupLine($"[yellow]warning:[/] {_unreadable:N0} events were not JSON objects and were not matched:");
            foreach (var s in _unreadableSamples)
                terminal.Error.MarkupLine($"  {SafeText.Markup(s)}");
            return ExitCodes.Failed;
        }
        return ExitCodes.Success;
    }

    static SigmaLoadResult Load(IReadOnlyList<string> directories)
    {
        var rules = new List<SigmaRule>();
        var problems = new List<SigmaLoadProblem>();
        foreach (var dir in directories)
        {
            var result = SigmaRuleLoader.LoadDirectory(dir);
            rules.AddRange(result.Rules);
            problems.AddRange(result.Problems);
        }
        return new SigmaLoadResult(rules, problems);
    }

    static void MatchFile(SigmaEngine engine, string path, bool json, Action<BatchResult> emit, Action? progress, CancellationToken ct)
    {
        using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        if (IsNdjson(input))
        {
            StreamLines(engine, path, input, json, emit, progress, ct);
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
            pending.Enqueue(Task.Run(() => MatchElements(engine, path, slice, from, json)));
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

    static void StreamLines(SigmaEngine engine, string path, Stream input, bool json, Action<BatchResult> emit, Action? progress, CancellationToken ct)
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
            pending.Enqueue((Task.Run(() => MatchLines(engine, path, block.AsMemory(0, length), firstLine, json)), block));
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

    static BatchResult MatchLines(SigmaEngine engine, string path, ReadOnlyMemory<byte> block, long firstLine, bool json)
    {
        var result = new BatchResult();
        var matcher = engine.CreateMatcher();
        var matches = new List<SigmaRule>();
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
                    MatchOne(matcher, matches, document.RootElement, path, index, json, result, writer);
            }
            index++;
        }
        return result;
    }

    static BatchResult MatchElements(SigmaEngine engine, string path, List<JsonElement> events, long first, bool json)
    {
        var result = new BatchResult();
        var matcher = engine.CreateMatcher();
        var matches = new List<SigmaRule>();
        using var writer = new Utf8JsonWriter(result.Json);
        for (var i = 0; i < events.Count; i++)
            MatchOne(matcher, matches, events[i], path, first + i, json, result, writer);
        return result;
    }

    static void MatchOne(SigmaMatcher matcher, List<SigmaRule> matches, JsonElement element, string path, long index, bool json, BatchResult result, Utf8JsonWriter writer)
    {
        result.Events++;
        matches.Clear();
        if (matcher.Match(new JsonSigmaEvent(element), matches) == 0)
            return;
        result.Matches += matches.Count;
        foreach (var rule in matches)
        {
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
            writer.WriteString("source", path);
            writer.WritePropertyName("event");
            element.WriteTo(writer);
            writer.WriteEndObject();
            writer.Flush();
            result.Json.Write("\n"u8);
            writer.Reset();
        }
    }
}
