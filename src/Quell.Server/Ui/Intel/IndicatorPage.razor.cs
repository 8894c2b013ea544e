using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http.HttpResults;
using Quell.Audit;
using Quell.Http;
using Quell.Identity;
using Quell.Intel.Indicators;
using Quell.Server.Ui.Cases;
using Quell.Server.Ui.Shared;

namespace Quell.Server.Ui.Intel;

/// <summary>
/// One indicator: every field, the score with its decay explained, warninglist hits, sources with their event
/// context, sightings; forms to record a sighting and to edit what the API lets change (tags, TLP, confidence,
/// comment, to_ids). The forms build the API's JSON body and run its parser and write method.
/// </summary>
public partial class IndicatorPage
{
    [Parameter] public long Id { get; set; }
    [Inject] public AuditLog Audit { get; set; } = default!;

    IndicatorView? View;
    string? Done;
    readonly Dictionary<string, FormOutcome> Outcomes = new(StringComparer.Ordinal);
    string? PostedForm;

    CancellationToken Ct => HttpContext.RequestAborted;

    /// <summary>Edit controls for those who may write; on a post they are there for everyone, so a forged post reaches its handler and is refused with 403.</summary>
    bool ShowForms => Can(Permission.IntelWrite) || HttpMethods.IsPost(HttpContext.Request.Method);

    FormOutcome? Outcome(string form) => Outcomes.GetValueOrDefault(form);

    string? Keep(string form, string field, string? current) =>
        PostedForm == form && Outcomes.ContainsKey(form) ? CaseForms.Posted(HttpContext, field) ?? "" : current;

    string? P(string name) => CaseForms.Posted(HttpContext, name);

    static string When(DateTimeOffset? t) => t is { } v ? Fmt.Time(v.ToUnixTimeMilliseconds()) : "—";

    protected override async Task OnInitializedAsync()
    {
        await LoadAsync();
        if (View is null)
        {
            Navigation.NotFound();
            return;
        }
        // Fixed words only: the query string is not a way to put text on the page.
        Done = (string?)HttpContext.Request.Query["done"] switch
        {
            "sighting" => "Sighting recorded; the score below is computed with it.",
            "edit" => "Saved.",
            "created" => "Indicator added.",
            "reported" => "This indicator existed already: your report was added to it as a source.",
            _ => null,
        };
    }

    async Task LoadAsync()
    {
        ScoredAt = Time.GetUtcNow();
        View = await Db.ReadAsync(c => IndicatorReads.GetViewAsync(c, Caller.OrgId, Id, ScoredAt), Ct);
    }

    /// <summary>When the score was computed: the age is shown from it to the second (the explanation rounds it to 1.4 min).</summary>
    DateTimeOffset ScoredAt;

    double AgeDays(Quell.Intel.Decay.ScoreExplanation e) => Math.Max(0, (ScoredAt.ToUnixTimeMilliseconds() - e.ReferenceTime) / 86_400_000.0);

    async Task AddSightingAsync()
    {
        if (!Require(Permission.IntelWrite))
            return;
        var errors = new InputErrors();
        var input = SightingInput.Parse(CaseForms.Body(new Dictionary<string, object?> { ["type"] = P("type"), ["note"] = P("note") }), errors);
        if (input is null)
        {
            Invalid("sighting", errors);
            return;
        }
        await DoneAsync("sighting", await IndicatorEndpoints.AddSightingAsync(Id, input, Caller, Db, Audit, Time, Ct));
    }

    async Task SaveAsync()
    {
        if (!Require(Permission.IntelWrite))
            return;
        var confidence = P("confidence");
        var body = new Dictionary<string, object?>
        {
            ["tags"] = CaseForms.Tags(P("tags")),
            ["tlp"] = P("tlp"),
            // A number goes as a number; anything else as the text typed, so the API's parser names the field.
            ["confidence"] = confidence is null ? null : int.TryParse(confidence, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : confidence,
            ["comment"] = HttpContext.Request.Form["comment"].ToString(),
            ["toIds"] = P("toIds") == "true",
        };
        var errors = new InputErrors();
        var input = IndicatorInput.Parse(CaseForms.Body(body), errors, patch: true);
        if (input is null || errors.Any)
        {
            Invalid("edit", errors);
            return;
        }
        await DoneAsync("edit", await IndicatorEndpoints.UpdateAsync(Id, input, Caller, Db, Audit, Time, Ct));
    }

    void Invalid(string form, InputErrors errors)
    {
        PostedForm = form;
        Outcomes[form] = FormOutcome.Invalid(errors);
        HttpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
    }

    async Task DoneAsync(string form, IResult result)
    {
        PostedForm = form;
        var outcome = FormOutcome.Of(result);
        if (!outcome.Failed)
        {
            Navigation.NavigateTo($"/intel/indicators/{Id}?done={form}");
            return;
        }
        Outcomes[form] = outcome;
        await LoadAsync();
        HttpContext.Response.StatusCode = outcome.Status;
    }
}
