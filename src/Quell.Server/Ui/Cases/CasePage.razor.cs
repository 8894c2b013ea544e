using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Components;
using Quell.Audit;
using Quell.Cases;
using Quell.Enrichment;
using Quell.Enrichment.Cortex;
using Quell.Http;
using Quell.Identity;
using Quell.Observables;

namespace Quell.Server.Ui.Cases;

/// <summary>
/// One case: summary, status, observables, tasks and their logs, comments, timeline, linked alerts. Every form posts
/// back here and runs the API endpoint's own parser and write method; a success redirects (post/redirect/get).
/// </summary>
public partial class CasePage
{
    public const string StaleMessage = "This case was changed by someone else since you opened it; review the current values and apply your change again.";

    [Parameter] public long Id { get; set; }
    [Inject] public AuditLog Audit { get; set; } = default!;
    [Inject] public Quell.Enrichment.AutoEnrichment AutoEnrichment { get; set; } = default!;
    [Inject] public Microsoft.Extensions.Options.IOptions<Quell.Files.FileOptions> FileOptions { get; set; } = default!;
    [Inject] public IdentityStore Identity { get; set; } = default!;
    [Inject] public Quell.Scoring.Scorer Scorer { get; set; } = default!;
    [Inject] public CortexCatalogue Cortex { get; set; } = default!;
    [Inject] public Quell.Jobs.JobQueue Jobs { get; set; } = default!;

    CaseRow? Row;
    CaseView? View;
    Quell.Scoring.OwnerScore? Score;
    IReadOnlyList<Member> Members = [];
    IReadOnlyList<CaseTemplate> Templates = [];
    IReadOnlyList<CaseComment> Comments = [];
    string? CommentsNext;
    IReadOnlyList<TimelineEntry> Timeline = [];
    string? TimelineNext;
    readonly Dictionary<long, IReadOnlyList<TaskLog>> Logs = [];
    IReadOnlyList<ResponderRun> Runs = [];
    /// <summary>Enabled responders that act on cases (Cortex's thehive:case), by name.</summary>
    IReadOnlyList<string> Responders = [];

    /// <summary>Outcome of the form posted in this request, by form group; null when it was not posted or succeeded.</summary>
    readonly Dictionary<string, FormOutcome> Outcomes = new(StringComparer.Ordinal);
    string? PostedForm;
    string? Stale;

    CancellationToken Ct => HttpContext.RequestAborted;

    /// <summary>
    /// Edit controls for those who may write. A forged post by a reader still finds its form (so that the handler can
    /// answer 403 instead of the framework's 400 "no such form"); the page it gets back only says it was refused.
    /// </summary>
    bool ShowForms => Can(Permission.CaseWrite) || HttpMethods.IsPost(HttpContext.Request.Method);

    /// <summary>Running a responder takes Analyze, as the API's run does; the same forged-post rule as <see cref="ShowForms"/>.</summary>
    bool ShowResponders => Can(Permission.Analyze) || HttpMethods.IsPost(HttpContext.Request.Method);

    FormOutcome? Outcome(string form) => Outcomes.GetValueOrDefault(form);

    /// <summary>What the user typed when its post was refused (kept), else the current value.</summary>
    string? Keep(string form, string field, string? current) =>
        PostedForm == form && Outcomes.ContainsKey(form) && Stale != form ? CaseForms.Posted(HttpContext, field) ?? "" : current;

    protected override async Task OnParametersSetAsync() => await LoadAsync();

    async Task LoadAsync()
    {
        var org = Caller.OrgId;
        var q = HttpContext.Request.Query;
        await Db.ReadAsync(async c =>
        {
            Row = await CaseStore.GetRowAsync(c, org, Id);
            if (Row is null)
                return 0;
            View = await CaseStore.ToFullViewAsync(c, Row, intelAt: Time.GetUtcNow());
            Score = (await Quell.Scoring.ScoreReads.LoadAsync(c, org, "case", Id, Time.GetUtcNow()))?.Score(Scorer);
            Templates = await CaseTemplates.ListAsync(c, org);
            (Comments, CommentsNext) = await Page(q["comments"], ["id"])
                .RunAsync<CaseComment>(c, CaseComment.SelectOfCase, new { org, id = Id }, x => [x.Id]);
            (Timeline, TimelineNext) = await Page(q["timeline"], TimelineEntry.KeyColumns)
                .RunAsync<TimelineEntry>(c, TimelineEntry.SelectOfCase, new { org, id = Id }, TimelineEntry.KeyOf);
            foreach (var t in View.Tasks!)
                Logs[t.Id] = (await Page(null, ["id"]).RunAsync<TaskLog>(c, TaskLog.SelectOfTask, new { org, taskId = t.Id }, l => [l.Id])).Items;
            Runs = await ResponderStore.ListForAsync(c, org, CaseTarget, Id);
            var settings = await AnalyzerStore.SettingsAsync(c, org);
            Responders = [.. Cortex.Responders.Values
                .Where(f => f.DataTypes.Contains(CaseTarget, StringComparer.Ordinal)
                    && EffectiveSettings.Of(ResponderEndpoints.Definition(f), settings.GetValueOrDefault(ResponderStore.SettingsName(f.QuellName))).Enabled)
                .Select(f => f.QuellName).Order(StringComparer.Ordinal)];
            return 0;
        }, Ct);
        if (Row is null)
            HttpContext.Response.StatusCode = StatusCodes.Status404NotFound;
        else
            Members = await Identity.ListMembersAsync(org, Ct);
    }

    /// <summary>The API's paging (limit 50, opaque cursor); a cursor that does not decode starts again from the first page.</summary>
    static OldestFirstPage Page(string? cursor, string[] keys)
    {
        var query = new QueryCollection(cursor is { Length: > 0 } ? new Dictionary<string, Microsoft.Extensions.Primitives.StringValues> { ["cursor"] = cursor } : []);
        var errors = new InputErrors();
        var page = OldestFirstPage.Parse(new QueryParams(query, errors), keys);
        return errors.Any ? OldestFirstPage.Parse(new QueryParams(new QueryCollection(), errors), keys) : page;
    }

    string? P(string name) => CaseForms.Posted(HttpContext, name);

    /// <summary>Records the result of a post: on success redirect to the page (without its paging); otherwise show why.</summary>
    async Task Done(string form, IResult result, string? redirect = null)
    {
        PostedForm = form;
        var outcome = FormOutcome.Of(result);
        if (!outcome.Failed)
        {
            Navigation.NavigateTo(redirect ?? $"/cases/{Id}", forceLoad: false);
            return;
        }
        Outcomes[form] = outcome;
        HttpContext.Response.StatusCode = outcome.Status;
        // The API answers 409 to a PATCH only for a version mismatch; the page says it in its own words above the form.
        if (outcome.Status == StatusCodes.Status409Conflict && form is "summary" or "status")
        {
            Stale = form;
            outcome.Message = null;
        }
        await LoadAsync();
        HttpContext.Response.StatusCode = outcome.Status;
    }

    Task Invalid(string form, InputErrors errors)
    {
        PostedForm = form;
        Outcomes[form] = FormOutcome.Invalid(errors);
        HttpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
        return Task.CompletedTask;
    }

    const string CaseTarget = "thehive:case";

    async Task RunResponderAsync()
    {
        if (!Require(Permission.Analyze))
            return;
        var name = P("responder");
        if (name is null || !Cortex.Responders.TryGetValue(name, out var flavor) || !flavor.DataTypes.Contains(CaseTarget, StringComparer.Ordinal))
        {
            var errors = new InputErrors();
            errors.Add("responder", Responders.Count == 0
                ? "No responder that acts on cases is enabled."
                : $"Choose a responder that acts on cases: {string.Join(", ", Responders)}.");
            await Invalid("responder", errors);
            return;
        }
        await Done("responder", await ResponderEndpoints.StartAsync(Db, Audit, Jobs, flavor, Caller, CaseTarget, Id, null, Time, Ct), $"/cases/{Id}#responders-h");
    }

    int? PostedVersion => int.TryParse(P("version"), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    async Task SetStatusAsync()
    {
        if (!Require(Permission.CaseWrite))
            return;
        var body = new Dictionary<string, object?> { ["status"] = P("status"), ["version"] = PostedVersion };
        if (P("resolution") is { } r)
            body["resolution"] = r;
        await PatchAsync("status", body);
    }

    async Task SaveSummaryAsync()
    {
        if (!Require(Permission.CaseWrite))
            return;
        var body = new Dictionary<string, object?>
        {
            ["title"] = P("title") ?? "",
            ["description"] = HttpContext.Request.Form["description"].ToString(),
            ["severity"] = int.TryParse(P("severity"), CultureInfo.InvariantCulture, out var s) ? s : null,
            ["tlp"] = P("tlp"),
            ["pap"] = P("pap"),
            ["assignee"] = P("assignee"),
            ["tags"] = CaseForms.Tags(P("tags")),
            ["version"] = PostedVersion,
        };
        if (P("customFields") is { } custom)
        {
            try
            {
                body["customFields"] = JsonSerializer.Deserialize<JsonElement>(custom);
            }
            catch (JsonException e)
            {
                var errors = new InputErrors();
                errors.Add("customFields", $"custom fields must be a JSON object, e.g. {{\"businessUnit\": \"finance\"}} ({e.Message})");
                await Invalid("summary", errors);
                return;
            }
        }
        // Times: a blank field leaves the time as it is (the API has no "clear" for them either).
        foreach (var t in new[] { "firstEvidenceAt", "detectedAt", "containedAt" })
            if (P(t) is { } v)
                body[t] = v;
        await PatchAsync("summary", body);
    }

    async Task PatchAsync(string form, Dictionary<string, object?> body)
    {
        var errors = new InputErrors();
        var patch = CasePatch.Parse(CaseForms.Body(body), errors);
        if (patch is null || patch.Version is null)
        {
            if (patch is not null)
                errors.Add("version", "the form is missing the case's version; reload the page");
            await Invalid(form, errors);
            return;
        }
        await Done(form, await CaseEndpoints.UpdateAsync(Id, patch, Caller, Db, Audit, Scorer, Time, Ct));
    }

    async Task MergeAsync()
    {
        if (!Require(Permission.CaseWrite))
            return;
        var errors = new InputErrors();
        if (!long.TryParse(P("into"), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            errors.Add("into", "enter the number of the case to merge this one into");
            await Invalid("merge", errors);
            return;
        }
        var target = await Db.ReadAsync(c => CaseStore.GetRowByNumberAsync(c, Caller.OrgId, number), Ct);
        if (target is null)
        {
            errors.Add("into", $"case number {number} does not exist");
            await Invalid("merge", errors);
            return;
        }
        await Done("merge", await CaseEndpoints.Merge(target.Id, Id, Caller, Db, Audit, AutoEnrichment, Time, Ct), $"/cases/{target.Id}");
    }

    async Task AddObservableAsync()
    {
        if (!Require(Permission.CaseWrite))
            return;
        var errors = new InputErrors();
        var items = CaseObservableEndpoints.ParseBatch(CaseForms.Body(new Dictionary<string, object?> { ["dataType"] = P("dataType"), ["data"] = P("data") }), errors);
        if (items is null)
        {
            await Invalid("add-observable", errors);
            return;
        }
        await Done("add-observable", await CaseObservableEndpoints.AddAsync(Id, items, Caller, Db, Audit, AutoEnrichment, Time, Ct));
    }

    async Task AddFileAsync()
    {
        if (!Require(Permission.CaseWrite))
            return;
        var form = HttpContext.Request.Form;
        var posted = form.Files.GetFile("file");
        var max = FileOptions.Value.MaxBytes;
        if (posted is not null && posted.Length > max)
        {
            await Done("add-file", Quell.Files.FileUpload.TooLarge(max));
            return;
        }
        byte[]? content = null;
        if (posted is not null)
        {
            using var buffer = new MemoryStream();
            await posted.CopyToAsync(buffer, Ct);
            content = buffer.ToArray();
        }
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        if (form["addHashes"].ToString() is { Length: > 0 } addHashes)
            fields["addHashes"] = addHashes;
        var errors = new InputErrors();
        var (upload, problem) = Quell.Files.FileUpload.Create(content, posted?.FileName, posted?.ContentType, fields, errors);
        if (upload is null)
        {
            if (errors.Any)
                await Invalid("add-file", errors);
            else
                await Done("add-file", problem!);
            return;
        }
        await Done("add-file", await Quell.Files.FileEndpoints.AddToCaseAsync(Id, upload, Caller, Db, Audit, AutoEnrichment, Time, Ct));
    }

    async Task ObservableActionAsync(Observable o)
    {
        if (!Require(Permission.CaseWrite))
            return;
        var result = P("action") switch
        {
            "remove" => await CaseObservableEndpoints.Delete(Id, o.Id, Caller, Db, Audit, Time, Ct),
            "ioc" => await CaseObservableEndpoints.UpdateAsync(Id, o.Id, new(!o.Ioc, null, null, false, null), Caller, Db, Audit, Time, Ct),
            "sighted" => await CaseObservableEndpoints.UpdateAsync(Id, o.Id, new(null, !o.Sighted, null, false, null), Caller, Db, Audit, Time, Ct),
            _ => Problems.Invalid("action", "action must be ioc, sighted or remove"),
        };
        await Done("observable", result);
    }

    async Task AddTaskAsync()
    {
        if (!Require(Permission.CaseWrite))
            return;
        var body = new Dictionary<string, object?> { ["title"] = P("title"), ["group"] = P("group") ?? "default", ["description"] = P("description") ?? "" };
        var errors = new InputErrors();
        if (TaskInput.Parse(CaseForms.Body(body), errors) is not { } input)
        {
            await Invalid("add-task", errors);
            return;
        }
        await Done("add-task", await CaseTaskEndpoints.CreateAsync(Id, input, Caller, Db, Audit, Time, Ct));
    }

    async Task AddTemplateTasksAsync()
    {
        if (!Require(Permission.CaseWrite))
            return;
        if (P("template") is not { } name)
        {
            var errors = new InputErrors();
            errors.Add("template", "choose a case template");
            await Invalid("template-tasks", errors);
            return;
        }
        await Done("template-tasks", await CaseTaskEndpoints.FromTemplateAsync(Id, name, Caller, Db, Audit, Time, Ct));
    }

    async Task UpdateTaskAsync(CaseTask t)
    {
        if (!Require(Permission.CaseWrite))
            return;
        var errors = new InputErrors();
        var patch = TaskPatch.Parse(CaseForms.Body(new Dictionary<string, object?> { ["status"] = P("status"), ["assignee"] = P("assignee") }), errors);
        if (patch is null)
        {
            await Invalid("task", errors);
            return;
        }
        await Done("task", await CaseTaskEndpoints.UpdateAsync(t.Id, patch, Caller, Db, Audit, Time, Ct));
    }

    async Task AddLogAsync(CaseTask t)
    {
        if (!Require(Permission.CaseWrite))
            return;
        var errors = new InputErrors();
        if (MessageInput.Parse(CaseForms.Body(new Dictionary<string, object?> { ["message"] = P("message") }), errors) is not { } message)
        {
            await Invalid("task", errors);
            return;
        }
        await Done("task", await CaseTaskEndpoints.AddLogAsync(t.Id, message, Caller, Db, Audit, Time, Ct));
    }

    async Task AddCommentAsync()
    {
        if (!Require(Permission.CaseWrite))
            return;
        var errors = new InputErrors();
        if (MessageInput.Parse(CaseForms.Body(new Dictionary<string, object?> { ["message"] = HttpContext.Request.Form["message"].ToString() }), errors) is not { } message)
        {
            await Invalid("comment", errors);
            return;
        }
        await Done("comment", await CaseCommentEndpoints.AddAsync(Id, message, Caller, Db, Audit, Time, Ct));
    }
}
