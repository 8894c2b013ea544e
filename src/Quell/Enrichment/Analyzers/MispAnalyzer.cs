using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Quell.Observables;

namespace Quell.Enrichment.Analyzers;

/// <summary>
/// A remote MISP instance: <c>POST {base}/attributes/restSearch</c> with header <c>Authorization: &lt;key&gt;</c> asks for
/// the attributes whose value is the observable's, with their events (info, threat level, tags). An attribute marked
/// for detection (<c>to_ids</c>) makes the value malicious; attributes only kept as context make it suspicious; none is
/// info. MISP's own warninglist hits (<c>includeWarninglistHits</c>) on every attribute found make it safe: the
/// instance itself says the value is a known benign one. Artifacts: none (the events are in the full report).
/// </summary>
public sealed class MispAnalyzer : IAnalyzer
{
    /// <summary>At most this many attributes are asked for: the report names events, not the whole history.</summary>
    public const int Limit = 100;

    public AnalyzerDefinition Definition { get; } = new("misp", "Remote MISP instance (/attributes/restSearch)",
        ["ip", "domain", "fqdn", "hostname", "url", "mail", "hash", "filename"],
        [new ConfigItem("key", "Automation key (MISP: Administration → Auth keys)", Secret: true, Required: true)],
        null, Tlp.Amber, Tlp.Amber, RateLimit.None, TimeSpan.FromDays(1), TimeSpan.FromSeconds(30));

    public async Task<AnalyzerResult> AnalyzeAsync(AnalyzerRun run, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["returnFormat"] = "json",
            ["value"] = run.Data,
            ["includeEventTags"] = true,
            ["includeContext"] = true,
            ["includeWarninglistHits"] = true,
            ["deleted"] = false,
            ["limit"] = Limit,
            ["page"] = 1,
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, run.Url("attributes/restSearch"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", run.Require("key"));
        request.Headers.Accept.Add(AnalyzerHttp.AcceptJson);
        var json = (await run.Http.SendAsync(request, ct)).Json;
        if (!json.TryGetProperty("response", out var response) || response.ValueKind != JsonValueKind.Object
            || !response.TryGetProperty("Attribute", out var attributes) || attributes.ValueKind != JsonValueKind.Array)
            throw new AnalyzerFailedException("MISP's answer is not a restSearch answer ({\"response\": {\"Attribute\": [...]}})"
                + (AnswerFields.Text(json, "message") is { } m ? ": " + AnswerFields.Printable(m) : ""));

        var found = attributes.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.Object).ToList();
        if (found.Count == 0)
            return new AnalyzerResult([new Taxonomy(Levels.Info, "MISP", "Search", "not found")], json, []);

        var events = found.Select(a => a.TryGetProperty("Event", out var e) ? e : default)
            .Where(e => e.ValueKind == JsonValueKind.Object)
            .GroupBy(e => AnswerFields.Text(e, "id") ?? AnswerFields.Text(e, "uuid") ?? "?")
            .Select(g => g.First())
            .ToList();
        var forDetection = found.Count(a => AnswerFields.Flag(a, "to_ids"));
        var warninglisted = found.Count(a => AnswerFields.Items(a, "warnings").Any());
        var level = warninglisted == found.Count ? Levels.Safe : forDetection > 0 ? Levels.Malicious : Levels.Suspicious;
        var taxonomies = new List<Taxonomy>
        {
            new(level, "MISP", "Search", $"{events.Count} event{(events.Count == 1 ? "" : "s")}, {forDetection} for detection"),
        };
        if (warninglisted > 0)
            taxonomies.Add(new Taxonomy(Levels.Safe, "MISP", "Warninglist",
                string.Join(", ", found.SelectMany(a => AnswerFields.Items(a, "warnings")).Select(w => AnswerFields.Text(w, "warninglist_name")).OfType<string>().Distinct().Take(5))));
        foreach (var e in events.Take(5))
            taxonomies.Add(new Taxonomy(level == Levels.Safe ? Levels.Info : level, "MISP", "Event", AnswerFields.Printable(AnswerFields.Text(e, "info") ?? AnswerFields.Text(e, "id") ?? "?")));
        return new AnalyzerResult(taxonomies, json, []);
    }
}
