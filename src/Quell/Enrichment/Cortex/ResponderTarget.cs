using System.Globalization;
using System.Text.Json.Nodes;

namespace Quell.Enrichment.Cortex;

/// <summary>
/// What a run's operations may act on, from the object it ran on (TheHive 4's rules): a case operation needs a case, its
/// task or one of its observables; a task operation needs a task; an alert operation an alert or one of its observables;
/// AddTagToArtifact an observable. <see cref="Observable"/> names the table the observable is in.
/// </summary>
public sealed record ResponderTarget(string Name, long? CaseId, long? AlertId, long? TaskId, (string Table, long Id)? Observable)
{
    public static ResponderTarget Of(ResponderRun run)
    {
        var id = run.ObjectId;
        var text = id.ToString(CultureInfo.InvariantCulture);
        switch (run.ObjectType)
        {
            case ResponderObjects.Case:
                return new($"case {text}", id, null, null, null);
            case ResponderObjects.Alert:
                return new($"alert {text}", null, id, null, null);
            case ResponderObjects.Task:
                return new($"task {text}", OwnerId(run, "caseId"), null, id, null);
            default:
                // The stored input says whose observable it was (see ResponderEndpoints.ObjectAsync).
                if (OwnerId(run, "caseId") is { } caseId)
                    return new($"observable {text} of case {caseId.ToString(CultureInfo.InvariantCulture)}", caseId, null, null, ("case_observables", id));
                var alertId = OwnerId(run, "alertId");
                return new($"observable {text} of alert {alertId?.ToString(CultureInfo.InvariantCulture)}", null, alertId, null, ("alert_observables", id));
        }
    }

    static long? OwnerId(ResponderRun run, string field) =>
        JsonNode.Parse(run.InputJson)?[field] is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;

    /// <summary>Why an operation that needs <paramref name="what"/> cannot act on this target.</summary>
    public string Lacks(string what) => $"the responder ran on {Name}, which is not and has no {what}";
}

/// <summary>Cortex's names of the objects a responder acts on, as stored on runs.</summary>
public static class ResponderObjects
{
    public const string Case = "thehive:case";
    public const string Alert = "thehive:alert";
    public const string Task = "thehive:case_task";
    public const string Observable = "thehive:case_artifact";
}
