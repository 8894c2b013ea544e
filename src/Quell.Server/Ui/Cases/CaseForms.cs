using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Quell.Server.Ui.Cases;

/// <summary>
/// The case page's forms go through the API's own parsers and write methods: the posted fields become the JSON body
/// the API would get, the API's parser validates it, the endpoint's write method runs it. This turns the result the
/// API would answer into what a form shows: nothing (success), field errors, or a message.
/// </summary>
public sealed class FormOutcome
{
    public Dictionary<string, string[]> Fields { get; } = new(StringComparer.Ordinal);
    public string? Message { get; set; }
    public int Status { get; set; }
    public bool Failed => Status >= 400;

    public string? Field(string name) => Fields.TryGetValue(name, out var m) ? string.Join(" ", m) : null;

    /// <summary>Errors of a field not shown next to an input of its own.</summary>
    public IEnumerable<string> Others(params string[] shown) =>
        Fields.Where(kv => !shown.Contains(kv.Key)).SelectMany(kv => kv.Value).Concat(Message is null ? [] : [Message]);

    public static FormOutcome Of(IResult result)
    {
        var o = new FormOutcome();
        switch (result)
        {
            case ValidationProblem v:
                o.Status = v.StatusCode;
                foreach (var (k, m) in v.ProblemDetails.Errors)
                    o.Fields[k] = m;
                break;
            case ProblemHttpResult p:
                o.Status = p.StatusCode;
                o.Message = p.ProblemDetails.Detail;
                break;
            case IStatusCodeHttpResult { StatusCode: { } s }:
                o.Status = s;
                break;
        }
        return o;
    }

    public static FormOutcome Invalid(Quell.Http.InputErrors errors) => Of(Quell.Http.Problems.Invalid(errors));
}

public static class CaseForms
{
    /// <summary>A responder run's operations in short: "AddTagToCase (applied), AddArtifactToCase (failed: …)".</summary>
    public static string Operations(Quell.Enrichment.Cortex.ResponderRun run) =>
        string.Join(", ", run.Operations.EnumerateArray().Select(o =>
        {
            var type = o.TryGetProperty("type", out var t) ? t.ToString() : "?";
            var status = o.TryGetProperty("status", out var s) ? s.ToString() : "pending";
            return o.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String && status == "failed" ? $"{type} ({status}: {m})" : $"{type} ({status})";
        }));

    /// <summary>The JSON body an API client would send for these fields.</summary>
    public static JsonElement Body(IReadOnlyDictionary<string, object?> fields) => JsonSerializer.SerializeToElement(fields);

    /// <summary>A posted field, trimmed; null when absent or blank.</summary>
    public static string? Posted(HttpContext context, string name) =>
        context.Request.HasFormContentType && context.Request.Form[name].ToString().Trim() is { Length: > 0 } v ? v : null;

    /// <summary>Comma-separated tags as the API's array.</summary>
    public static string[] Tags(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>"3 d 4 h", "12 min": metric durations at the precision an analyst reads them.</summary>
    public static string Duration(long? fromMs, long? toMs)
    {
        if (fromMs is null || toMs is null)
            return "—";
        var d = TimeSpan.FromMilliseconds(toMs.Value - fromMs.Value);
        var sign = d < TimeSpan.Zero ? "-" : "";
        d = d.Duration();
        var text = d.TotalDays >= 1 ? $"{(int)d.TotalDays} d {d.Hours} h" : d.TotalHours >= 1 ? $"{(int)d.TotalHours} h {d.Minutes} min" : $"{(int)d.TotalMinutes} min";
        return sign + text;
    }
}
