using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Quell.Server.Cli.Client;

/// <summary>Filters of `quell case list`; null means "not filtered". Values are checked by the server.</summary>
public sealed record CaseFilter(string? Status = null, string? Assignee = null, string? Tag = null, string? Text = null, int? Limit = null);

/// <summary>`quell case list` and `quell case show`.</summary>
public sealed class CaseVerbs(Terminal terminal, ClientSettings settings)
{
    /// <summary>Longest description `case show` prints; --json has all of it.</summary>
    public const int MaxDescription = 2000;

    public Task<int> ListAsync(CaseFilter filter, bool json, CancellationToken ct = default) => terminal.RunAsync(async () =>
    {
        using var api = new QuellApi(settings);
        var query = Display.Query(("status", filter.Status), ("assignee", filter.Assignee), ("tag", filter.Tag), ("q", filter.Text),
            ("limit", filter.Limit?.ToString(CultureInfo.InvariantCulture)));
        var page = (await api.GetAsync("api/v1/cases" + query, ct)).Body;
        if (json)
        {
            terminal.WriteRaw(Json.Indented(page));
            return ExitCodes.Success;
        }
        var items = Json.Array(page, "items").ToList();
        if (items.Count == 0)
        {
            terminal.Out.MarkupLine("[dim]no cases match[/]");
            return ExitCodes.Success;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumns(Display.Fixed("#"), Display.Fixed("Created"), Display.Fixed("Severity"),
            new TableColumn("Status"), new TableColumn("Assignee"), new TableColumn("Title"), new TableColumn("Tags"));
        foreach (var c in items)
        {
            table.AddRow(
                Json.Long(c, "number")?.ToString(CultureInfo.InvariantCulture) ?? "",
                Json.Time(c, "createdAt"),
                Display.Severity(Json.Long(c, "severity")),
                Status(c),
                SafeText.Markup(Json.Str(c, "assignee")),
                SafeText.Markup(Json.Str(c, "title"), maxLength: 200),
                Display.Tags(Json.Strings(c, "tags")));
        }
        terminal.Out.Write(table);
        if (Json.Str(page, "next") is not null)
            terminal.Out.MarkupLine($"[dim]{items.Count} shown; more cases match: narrow the filters or raise --limit (at most 500)[/]");
        return ExitCodes.Success;
    });

    /// <summary>One case by its number: summary, observables, tasks and linked alerts.</summary>
    public Task<int> ShowAsync(long number, bool json, CancellationToken ct = default) => terminal.RunAsync(async () =>
    {
        if (number < 1)
            throw new CliFailure(ExitCodes.Usage, $"case numbers start at 1; {number} cannot be one");
        using var api = new QuellApi(settings);
        var c = (await api.GetAsync($"api/v1/cases/number/{number.ToString(CultureInfo.InvariantCulture)}", ct)).Body;
        if (json)
        {
            terminal.WriteRaw(Json.Indented(c));
            return ExitCodes.Success;
        }
        PrintSummary(c);
        PrintObservables(c);
        PrintTasks(c);
        PrintAlerts(c);
        return ExitCodes.Success;
    });

    void PrintSummary(JsonElement c)
    {
        terminal.Out.Write(new Rule($"[bold]Case #{Json.Long(c, "number")}[/] {SafeText.Markup(Json.Str(c, "title"))}").LeftJustified());
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        void Row(string label, string markup)
        {
            if (markup.Length > 0)
                grid.AddRow($"[dim]{label}[/]", markup);
        }
        Row("Status", Status(c));
        Row("Severity", Display.Severity(Json.Long(c, "severity")));
        Row("TLP / PAP", $"{SafeText.Markup(Json.Str(c, "tlp"))} / {SafeText.Markup(Json.Str(c, "pap"))}");
        Row("Assignee", SafeText.Markup(Json.Str(c, "assignee")));
        Row("Tags", Display.Tags(Json.Strings(c, "tags")));
        Row("Created", $"{Json.Time(c, "createdAt")} by {SafeText.Markup(Json.Str(c, "createdBy"))}");
        Row("Updated", $"{Json.Time(c, "updatedAt")} (version {Json.Long(c, "version")})");
        Row("First evidence", Json.Time(c, "firstEvidenceAt"));
        Row("Detected", Json.Time(c, "detectedAt"));
        Row("Contained", Json.Time(c, "containedAt"));
        Row("Resolved", Json.Time(c, "resolvedAt"));
        Row("Merged into", Json.Long(c, "mergedInto")?.ToString(CultureInfo.InvariantCulture) ?? "");
        Row("Summary", SafeText.Markup(Json.Str(c, "summary"), keepLineBreaks: true, maxLength: MaxDescription));
        Row("Description", SafeText.Markup(Json.Str(c, "description"), keepLineBreaks: true, maxLength: MaxDescription));
        terminal.Out.Write(grid);
        terminal.Out.WriteLine();
    }

    void PrintObservables(JsonElement c)
    {
        var items = Json.Array(c, "observables").ToList();
        if (items.Count == 0)
        {
            terminal.Out.MarkupLine("[dim]no observables[/]");
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).Title($"Observables ({items.Count})").AddColumns("Type", "Data", "IOC", "Sighted", "Tags");
        foreach (var o in items)
        {
            table.AddRow(SafeText.Markup(Json.Str(o, "dataType")), SafeText.Markup(Json.Str(o, "data"), maxLength: 300),
                Json.Bool(o, "ioc") ? "[red]yes[/]" : "", Json.Bool(o, "sighted") ? "yes" : "", Display.Tags(Json.Strings(o, "tags")));
        }
        terminal.Out.Write(table);
    }

    void PrintTasks(JsonElement c)
    {
        var items = Json.Array(c, "tasks").ToList();
        if (items.Count == 0)
        {
            terminal.Out.MarkupLine("[dim]no tasks[/]");
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).Title($"Tasks ({items.Count})").AddColumns(Display.Fixed("#"), new TableColumn("Title"), new TableColumn("Group"), new TableColumn("Status"), Display.Fixed("Due"));
        var position = 1;
        foreach (var t in items)
        {
            table.AddRow((position++).ToString(CultureInfo.InvariantCulture), SafeText.Markup(Json.Str(t, "title"), maxLength: 200),
                SafeText.Markup(Json.Str(t, "taskGroup")), SafeText.Markup(Json.Str(t, "status")), Json.Time(t, "dueAt"));
        }
        terminal.Out.Write(table);
    }

    void PrintAlerts(JsonElement c)
    {
        var items = Json.Array(c, "alerts").ToList();
        if (items.Count == 0)
        {
            terminal.Out.MarkupLine("[dim]no linked alerts[/]");
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).Title($"Linked alerts ({items.Count})")
            .AddColumns(Display.Fixed("ID"), Display.Fixed("Date"), Display.Fixed("Severity"), new TableColumn("Source"), new TableColumn("Source ref"), new TableColumn("Title"));
        foreach (var a in items)
        {
            table.AddRow(Json.Long(a, "id")?.ToString(CultureInfo.InvariantCulture) ?? "", Json.Time(a, "date"), Display.Severity(Json.Long(a, "severity")),
                SafeText.Markup(Json.Str(a, "source")), SafeText.Markup(Json.Str(a, "sourceRef")), SafeText.Markup(Json.Str(a, "title"), maxLength: 200));
        }
        terminal.Out.Write(table);
    }

    static string Status(JsonElement c) =>
        SafeText.Markup(Json.Str(c, "status")) + (Json.Str(c, "resolution") is { } r ? $" ({SafeText.Markup(r)})" : "");
}
