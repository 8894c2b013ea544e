using System.Text.Json;
using System.Text.Json.Nodes;

namespace Quell.Enrichment.Cortex;

/// <summary>
/// Reads output/output.json as Cortex does: <c>success</c> true gives the report (<c>summary.taxonomies</c>, <c>full</c>,
/// <c>artifacts</c>, <c>operations</c>); anything else is a failure with its <c>errorMessage</c>.
/// </summary>
public static class CortexOutput
{
    static readonly string[] KnownLevels = [Levels.Info, Levels.Safe, Levels.Suspicious, Levels.Malicious];

    public sealed record Report(AnalyzerResult Result, JsonArray Operations);

    /// <summary>The report, or <see cref="AnalyzerFailedException"/> with the reason (the program's errorMessage, or what was wrong with the file).</summary>
    public static Report Read(string name, CortexRunEnd end)
    {
        if (end.Output is not { } o)
            throw new AnalyzerFailedException(end.Failure(name));
        if (o["success"]?.GetValueKind() != JsonValueKind.True)
        {
            var message = o["errorMessage"] is JsonValue m && m.TryGetValue<string>(out var text) && text.Trim().Length > 0
                ? text.Trim()
                : $"no errorMessage (exit code {end.ExitCode})";
            throw new AnalyzerFailedException($"{name} failed: {message}");
        }
        var taxonomies = new List<Taxonomy>();
        if (o["summary"]?["taxonomies"] is JsonArray ts)
            foreach (var t in ts.OfType<JsonObject>())
            {
                var level = Text(t["level"]) is { } l && KnownLevels.Contains(l.ToLowerInvariant()) ? l.ToLowerInvariant() : Levels.Info;
                taxonomies.Add(new Taxonomy(level, Text(t["namespace"]) ?? name, Text(t["predicate"]) ?? "", Text(t["value"]) ?? ""));
            }
        var artifacts = new List<Artifact>();
        if (o["artifacts"] is JsonArray arts)
            foreach (var a in arts.OfType<JsonObject>())
            {
                if (Text(a["dataType"]) is not { Length: > 0 } type)
                    continue;
                // A file artifact is a file the program left in output/; its content is not kept, its name is.
                var data = type == "file" ? Text(a["filename"]) ?? Text(a["file"]) : Text(a["data"]);
                if (data is { Length: > 0 })
                    artifacts.Add(new Artifact(type, data, Text(a["message"]) ?? (type == "file" ? "file artifact: its content is not kept" : null)));
            }
        JsonElement? full = o["full"] is { } f ? JsonSerializer.SerializeToElement(f) : null;
        var operations = o["operations"] as JsonArray ?? [];
        return new Report(new AnalyzerResult(taxonomies, full, artifacts), (JsonArray)operations.DeepClone());
    }

    static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };
}
