using System.Globalization;
using System.Text.Json;
using Quell.Alerts;
using Spectre.Console;

namespace Quell.Server.Cli.Client;

/// <summary>Filters of `quell alert list`; null means "not filtered". Values are checked by the server.</summary>
public sealed record AlertFilter(
    string? Status = null, string? Severity = null, string? Source = null, string? Tag = null, string? Observable = null, int? Limit = null);

/// <summary>`quell alert submit` and `quell alert list`.</summary>
public sealed class AlertVerbs(Terminal terminal, ClientSettings settings)
{
    /// <summary>Largest file `alert submit` reads; it is parsed in memory, then sent in batches the server accepts.</summary>
    public const int MaxFileBytes = 256 << 20;

    static readonly JsonDocumentOptions FileJson = new() { MaxDepth = 64 };

    /// <summary>
    /// Posts one alert (a JSON object) or many (a JSON array, through _bulk in batches of at most 1,000 alerts, each all or
    /// nothing). <paramref name="file"/> is a path or "-" for standard input. It is checked to be JSON before anything is sent.
    /// </summary>
    public Task<int> SubmitAsync(string file, CancellationToken ct = default) => terminal.RunAsync(async () =>
    {
        var bytes = await ReadAsync(file, ct);
        using var doc = ParseJson(file, bytes);
        var root = doc.RootElement;
        using var api = new QuellApi(settings);
        switch (root.ValueKind)
        {
            case JsonValueKind.Object:
                var answer = await api.PostJsonAsync("api/v1/alerts", bytes, ct);
                var alert = answer.Body;
                var verb = answer.Status == 201 ? "[green]created[/]" : "[yellow]updated[/]";
                terminal.Out.MarkupLine($"{verb} alert [bold]{Json.Long(alert, "id")}[/] {SafeText.Markup(Json.Str(alert, "source"))}/{SafeText.Markup(Json.Str(alert, "sourceRef"))}: {SafeText.Markup(Json.Str(alert, "title"))}");
                return ExitCodes.Success;
            case JsonValueKind.Array:
                var results = await SubmitManyAsync(api, file, root, ct);
                PrintBulk(results);
                return ExitCodes.Success;
            default:
                throw new CliFailure(ExitCodes.Usage, $"{Name(file)} must hold one alert (a JSON object) or a JSON array of alerts, not a {root.ValueKind.ToString().ToLowerInvariant()}");
        }
    });

    public Task<int> ListAsync(AlertFilter filter, bool json, CancellationToken ct = default) => terminal.RunAsync(async () =>
    {
        using var api = new QuellApi(settings);
        var query = Display.Query(("status", filter.Status), ("severity", filter.Severity), ("source", filter.Source), ("tag", filter.Tag),
            ("observable", filter.Observable), ("limit", filter.Limit?.ToString(CultureInfo.InvariantCulture)));
        var page = (await api.GetAsync("api/v1/alerts" + query, ct)).Body;
        if (json)
        {
            terminal.WriteRaw(Json.Indented(page));
            return ExitCodes.Success;
        }
        var items = Json.Array(page, "items").ToList();
        if (items.Count == 0)
        {
            terminal.Out.MarkupLine("[dim]no alerts match[/]");
            return ExitCodes.Success;
        }
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns(Display.Fixed("ID"), Display.Fixed("Date"), Display.Fixed("Severity"), new TableColumn("Status"), new TableColumn("Source"),
                new TableColumn("Title"), Display.Fixed("Obs"), Display.Fixed("Case"));
        foreach (var a in items)
        {
            table.AddRow(
                Json.Long(a, "id")?.ToString(CultureInfo.InvariantCulture) ?? "",
                Json.Time(a, "date"),
                Display.Severity(Json.Long(a, "severity")),
                SafeText.Markup(Json.Str(a, "status")),
                SafeText.Markup(Json.Str(a, "source")),
                SafeText.Markup(Json.Str(a, "title"), maxLength: 200),
                Json.Long(a, "observableCount")?.ToString(CultureInfo.InvariantCulture) ?? "",
                Json.Long(a, "caseId")?.ToString(CultureInfo.InvariantCulture) ?? "");
        }
        terminal.Out.Write(table);
        if (Json.Str(page, "next") is not null)
            terminal.Out.MarkupLine($"[dim]{items.Count} shown; more alerts match: narrow the filters or raise --limit (at most 500)[/]");
        return ExitCodes.Success;
    });

    /// <summary>Longest table `alert submit` prints for an array; beyond it only the counts.</summary>
    public const int MaxTableRows = 100;

    /// <summary>Alerts per _bulk request; tests lower it to cross batch boundaries with a few alerts.</summary>
    internal int BatchSize { get; init; } = AlertEndpoints.MaxBulkItems;

    async Task<List<JsonElement>> SubmitManyAsync(QuellApi api, string file, JsonElement array, CancellationToken ct)
    {
        var count = array.GetArrayLength();
        if (count == 0)
            throw new CliFailure(ExitCodes.Usage, $"{Name(file)} holds an empty array: there is no alert to submit");
        var batches = AlertBatches.Split(array, BatchSize);
        if (batches.Count == 1)
        {
            var answer = await terminal.Error.Status().StartAsync($"submitting {count} alerts", _ => api.PostJsonAsync("api/v1/alerts/_bulk", batches[0].Body, ct));
            return [answer.Body];
        }
        var results = new List<JsonElement>();
        await terminal.Error.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask($"submitting {count} alerts in {batches.Count} batches", maxValue: count);
            foreach (var batch in batches)
            {
                try
                {
                    results.Add((await api.PostJsonAsync("api/v1/alerts/_bulk", batch.Body, ct)).Body);
                }
                catch (CliFailure refused)
                {
                    throw PartlySubmitted(refused, batch);
                }
                task.Increment(batch.Count);
            }
        });
        return results;
    }

    static CliFailure PartlySubmitted(CliFailure refused, AlertBatches.Batch batch)
    {
        var details = refused.Details.Select(d => AlertBatches.Renumber(d, batch.Start)).ToList();
        var last = batch.Start + batch.Count - 1;
        details.Add(batch.Start == 0
            ? $"nothing was submitted: alerts [{batch.Start}]-[{last}] are one request, refused as a whole"
            : $"alerts [0]-[{batch.Start - 1}] were submitted; [{batch.Start}] onward were not. Fix the file and submit it again: re-submitting updates alerts, it does not duplicate them");
        return new CliFailure(refused.ExitCode, AlertBatches.Renumber(refused.Message, batch.Start), details);
    }

    void PrintBulk(List<JsonElement> results)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("ID", "Result", "Source ref");
        int created = 0, updated = 0;
        foreach (var item in results.SelectMany(r => Json.Array(r, "items")))
        {
            var status = Json.Str(item, "status");
            if (status == "created")
                created++;
            else
                updated++;
            table.AddRow(Json.Long(item, "id")?.ToString(CultureInfo.InvariantCulture) ?? "",
                status == "created" ? "[green]created[/]" : "[yellow]updated[/]", SafeText.Markup(Json.Str(item, "sourceRef")));
        }
        if (created + updated <= MaxTableRows)
            terminal.Out.Write(table);
        terminal.Out.MarkupLine($"{created + updated} alerts: {created} created, {updated} updated");
    }

    async Task<byte[]> ReadAsync(string file, CancellationToken ct)
    {
        byte[] bytes;
        try
        {
            if (file == "-")
            {
                await using var input = terminal.OpenInput();
                using var buffer = new MemoryStream();
                await input.CopyToAsync(buffer, ct);
                bytes = buffer.ToArray();
            }
            else
            {
                if (new FileInfo(file) is { Exists: true, Length: > MaxFileBytes })
                    throw TooLarge(file);
                bytes = await File.ReadAllBytesAsync(file, ct);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliFailure(ExitCodes.Usage, $"cannot read {Name(file)}: {e.Message}");
        }
        if (bytes.Length > MaxFileBytes)
            throw TooLarge(file);
        // A UTF-8 byte order mark (Windows editors add one) is not JSON; the server would refuse it.
        return bytes.AsSpan().StartsWith("\uFEFF"u8) ? bytes[3..] : bytes;
    }

    static JsonDocument ParseJson(string file, byte[] bytes)
    {
        if (bytes.Length == 0)
            throw new CliFailure(ExitCodes.Usage, $"{Name(file)} is empty: expected one alert (a JSON object) or an array of alerts");
        try
        {
            return JsonDocument.Parse(bytes, FileJson);
        }
        catch (JsonException e)
        {
            throw new CliFailure(ExitCodes.Usage, $"{Name(file)} is not valid JSON: {e.Message}");
        }
    }

    static CliFailure TooLarge(string file) =>
        new(ExitCodes.Usage, $"{Name(file)} is larger than {MaxFileBytes >> 20} MiB; split it into smaller files");

    static string Name(string file) => file == "-" ? "standard input" : file;
}
