using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Quell.Alerts;
using Quell.Detection.Sigma;
using Quell.Events;
using Quell.Observables;

namespace Quell.Detection;

/// <summary>A correlation rule's match as a <c>quell-sigma</c> alert of type <c>sigma-correlation</c>, with the correlated events as evidence.</summary>
internal static class SigmaCorrelationAlerts
{
    public const string Type = "sigma-correlation";

    static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public static AlertInput Of(SigmaCorrelationMatch<SigmaEvidence> m, EventOrigin origin, DateTimeOffset now, int eventsPerAlert)
    {
        var rule = m.Rule;
        var group = string.Join(", ", m.Group.Select(g => $"{g.Key}={g.Value}"));
        var ruleKey = rule.Id ?? Hash(rule.Title);
        return new AlertInput
        {
            Type = Type,
            Source = DetectingEventSink.SigmaSource,
            // One alert per correlation, group and window: the window is known by its first event.
            SourceRef = $"{ruleKey}:{Hash(group)}:{m.First.ToUnixTimeMilliseconds()}",
            Title = DetectingEventSink.Short(group.Length == 0 ? rule.Title : $"{rule.Title} ({group})", 250),
            Description = DetectingEventSink.Short(
                $"Sigma correlation **{rule.Title}** (`{rule.Id}`, {rule.TypeName}, level {rule.Level ?? "unknown"}) matched {m.Count} " +
                $"({rule.Condition}) within {rule.Timespan} from {m.First:u} to {m.Last:u}{(group.Length == 0 ? "" : $" for {group}")}, over {m.Events.Count} event(s) " +
                $"(source `{origin.Source}`).\n\n{rule.Description}", 8000),
            Severity = DetectingEventSink.SeverityOf(rule.Level),
            Tags = [.. new[] { "quell:sigma", "quell:sigma-correlation" }.Concat(rule.Tags).Distinct().Take(30)],
            Date = now.ToUnixTimeMilliseconds(),
            FirstEvidenceAt = m.First.ToUnixTimeMilliseconds(),
            Raw = DetectingEventSink.Truncate(JsonSerializer.Serialize(new
            {
                rule = new { id = rule.Id, title = rule.Title, level = rule.Level, tags = rule.Tags, type = rule.TypeName, source = Path.GetFileName(rule.Source) },
                group = m.Group.ToDictionary(g => g.Key, g => g.Value),
                count = m.Count,
                first = m.First,
                last = m.Last,
                events = m.Events.Take(eventsPerAlert).Select(e => new { time = e.Time, raw = e.Raw }),
                eventCount = m.Events.Count,
            }, JsonOptions)),
            Observables = [.. m.Group.Where(g => g.Value.Length > 0).Take(AlertInput.MaxObservables)
                .Select(g => new ObservableInput { DataType = "other", Data = DetectingEventSink.Short(g.Value, 500), Message = $"the correlation's group-by field {g.Key}" })],
        };
    }

    static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
