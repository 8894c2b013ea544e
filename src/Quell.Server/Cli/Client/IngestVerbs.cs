using System.Globalization;
using Quell.Events;
using Spectre.Console;

namespace Quell.Server.Cli.Client;

/// <summary>
/// `quell ingest FILE...`: NDJSON files or files of (pretty-printed, concatenated) Windows event JSON, sent to
/// POST /api/v1/events in batches. A line that is not a JSON object is reported with its file and line and left out;
/// the rest is sent. The exit code is non-zero when anything was left out or refused.
/// </summary>
public sealed class IngestVerbs(Terminal terminal, ClientSettings settings)
{
    public const int MaxFileBytes = 1 << 30;

    /// <summary>Events per request, and the most bytes of events in one (the server takes 16 MiB).</summary>
    internal int BatchEvents { get; init; } = 2000;

    internal int BatchBytes { get; init; } = 8 << 20;

    /// <summary>Errors printed in full; beyond it only their count.</summary>
    const int MaxShownErrors = 50;

    sealed record Batch(string File, int FirstLine, int Count, byte[] Body);

    public Task<int> IngestAsync(IReadOnlyList<string> files, string? source, CancellationToken ct = default) => terminal.RunAsync(async () =>
    {
        if (files.Count == 0)
            throw new CliFailure(ExitCodes.Usage, "name at least one file to ingest (NDJSON or Windows event JSON; - reads standard input)");
        var errors = new List<string>();
        var batches = new List<Batch>();
        var total = 0;
        foreach (var file in files)
        {
            var bytes = await ReadAsync(file, ct);
            total += Split(file, bytes, batches, errors);
        }
        var bad = errors.Count;
        var sent = 0;
        var refused = 0;
        if (batches.Count > 0)
        {
            using var api = new QuellApi(settings);
            var query = "api/v1/events?source=" + Uri.EscapeDataString(string.IsNullOrWhiteSpace(source) ? "ingest" : source.Trim());
            await terminal.Error.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask($"sending {total} events", maxValue: total);
                foreach (var batch in batches)
                {
                    try
                    {
                        await api.PostJsonAsync(query, batch.Body, ct);
                        sent += batch.Count;
                    }
                    catch (CliFailure e) when (e.ExitCode != ExitCodes.Unreachable || sent > 0)
                    {
                        refused += batch.Count;
                        errors.Add($"{batch.File}: {batch.Count} events from line {batch.FirstLine} were refused: {e.Message} {string.Join("; ", e.Details)}".TrimEnd());
                    }
                    task.Increment(batch.Count);
                }
            });
        }
        foreach (var e in errors.Take(MaxShownErrors))
            terminal.Error.MarkupLine($"[red]error:[/] {SafeText.Markup(e)}");
        if (errors.Count > MaxShownErrors)
            terminal.Error.MarkupLine($"[red]... and {errors.Count - MaxShownErrors} more errors[/]");
        terminal.Out.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"sent [bold]{sent}[/] events from {files.Count} file(s); {bad} bad record(s) left out; {refused} event(s) refused"));
        return errors.Count == 0 ? ExitCodes.Success : ExitCodes.Failed;
    });

    /// <summary>Cuts a file into batches of whole events; returns how many events it holds.</summary>
    int Split(string file, byte[] bytes, List<Batch> batches, List<string> errors)
    {
        var name = file == "-" ? "standard input" : file;
        var buffer = new MemoryStream();
        var count = 0;
        var firstLine = 0;
        var total = 0;
        JsonStream.ForEach(bytes, (in JsonRecord r) =>
        {
            if (r.Document is null)
            {
                errors.Add($"{name}:{r.Line}: not valid JSON ({r.Error})");
                return true;
            }
            if (r.Document.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                errors.Add($"{name}:{r.Line}: an event must be a JSON object, not a {r.Document.RootElement.ValueKind.ToString().ToLowerInvariant()}");
                return true;
            }
            if (count > 0 && (count >= BatchEvents || buffer.Length + r.Bytes.Length > BatchBytes))
            {
                batches.Add(new Batch(name, firstLine, count, buffer.ToArray()));
                buffer.SetLength(0);
                count = 0;
            }
            if (count == 0)
                firstLine = r.Line;
            buffer.Write(r.Bytes);
            buffer.WriteByte((byte)'\n');
            count++;
            total++;
            return true;
        });
        if (count > 0)
            batches.Add(new Batch(name, firstLine, count, buffer.ToArray()));
        return total;
    }

    async Task<byte[]> ReadAsync(string file, CancellationToken ct)
    {
        try
        {
            if (file == "-")
            {
                await using var input = terminal.OpenInput();
                using var buffer = new MemoryStream();
                await input.CopyToAsync(buffer, ct);
                return buffer.ToArray();
            }
            var info = new FileInfo(file);
            if (info.Exists && info.Length > MaxFileBytes)
                throw new CliFailure(ExitCodes.Usage, $"{file} is larger than {MaxFileBytes >> 20} MiB; split it");
            return await File.ReadAllBytesAsync(file, ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliFailure(ExitCodes.Usage, $"cannot read {file}: {e.Message}");
        }
    }
}
