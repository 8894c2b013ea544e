using System.Text.Json.Nodes;
using Quell.Observables;

namespace Quell.Enrichment.Cortex;

/// <summary>
/// A Cortex analyzer flavour run unmodified through the job directory protocol. Its definition comes from the flavour:
/// data types, configuration items (plus Cortex's proxy and cacerts items), TLP/PAP limits from check_tlp/max_tlp and
/// check_pap/max_pap, no rate limit, Cortex's 10 minutes of job cache and a 10-minute timeout (Cortex allows 30; Quell's
/// settings allow at most 10). A timeout kills the process tree and fails the run; it is not retried.
/// </summary>
public sealed class CortexAnalyzer(CortexFlavor flavor, CortexOptions options, EnrichmentOptions enrichment) : IAnalyzer
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan DefaultCache = TimeSpan.FromMinutes(10);

    public CortexFlavor Flavor => flavor;

    public AnalyzerDefinition Definition { get; } = new(flavor.QuellName, $"Cortex {flavor.Name} {flavor.Version}: {flavor.Description}", flavor.DataTypes,
        Items(flavor), null, flavor.MaxTlp, flavor.MaxPap, RateLimit.None, DefaultCache, DefaultTimeout);

    public bool RetryOnTimeout => false;

    /// <summary>The flavour's items as Quell shows them: secret by name, required only when there is no default to fall back on.</summary>
    public static IReadOnlyList<ConfigItem> Items(CortexFlavor f) =>
        f.Items.Concat(CortexConfig.Global.Where(g => f.Item(g.Name) is null))
            .Select(i => new ConfigItem(i.Name, Describe(i), i.Secret, i.Required && i.Default is null)
            {
                Type = i.Type,
                Multi = i.Multi,
                Default = i.Default is { } d ? CortexConfig.DefaultText(d) : null,
            }).ToList();

    static string Describe(CortexConfigItem i) =>
        i.Description + $" ({i.Type}{(i.Multi ? ", several: a JSON array or comma-separated" : "")}{(i.Default is { } d ? $", default {d.ToJsonString()}" : "")})";

    public async Task<AnalyzerResult> AnalyzeAsync(AnalyzerRun run, CancellationToken ct)
    {
        if (run.DataType == "file" && run.File is null)
            throw new AnalyzerFailedException($"{flavor.QuellName} needs the file's content in input/<file>, and Quell keeps none for this observable; " +
                "attach the file (POST /api/v1/cases/{id}/observables/file or the alert's), or analyze its hash instead");
        var settings = run.Settings ?? EffectiveSettings.Of(Definition, null);
        var input = Input(flavor, run.DataType, JsonValue.Create(run.Data), run.Tlp, run.Pap, run.Message, run.Config, settings.MaxTlp, settings.MaxPap);
        byte[]? attachment = null;
        if (run.File is { } file)
        {
            // Cortex's own shape for a file job: the content in input/, named by "file"; the name and type beside it, no "data".
            attachment = await file.ReadAsync(ct);
            input.Remove("data");
            input.Insert(0, "file", CortexProcess.AttachmentName);
            input.Insert(1, "filename", file.Name);
            input.Insert(2, "contentType", file.Stored.ContentType);
        }
        var end = await CortexProcess.RunAsync(flavor, input, run.Optional("cacerts"), options, enrichment.MaxResponseBytes, ct, attachment);
        try
        {
            var result = CortexOutput.Read(flavor.QuellName, end).Result;
            return result.Full is { } full && Scrub(full.GetRawText(), flavor, run.Config) is var text && text != full.GetRawText()
                ? result with { Full = System.Text.Json.JsonDocument.Parse(text).RootElement.Clone() }
                : result;
        }
        catch (AnalyzerFailedException e)
        {
            throw new AnalyzerFailedException(Scrub(e.Message, flavor, run.Config), e);
        }
    }

    /// <summary>input/input.json: data (or the TheHive object of a responder; for a file, file/filename/contentType instead), dataType, tlp, pap, message, parameters, config.</summary>
    public static JsonObject Input(CortexFlavor flavor, string dataType, JsonNode data, Tlp tlp, Tlp pap, string message, IReadOnlyDictionary<string, string> config, Tlp maxTlp, Tlp maxPap) => new()
    {
        ["data"] = data,
        ["dataType"] = dataType,
        ["tlp"] = CortexConfig.Number(tlp),
        ["pap"] = CortexConfig.Number(pap),
        ["message"] = message,
        ["parameters"] = new JsonObject(),
        ["config"] = CortexConfig.Build(flavor, config, maxTlp, maxPap),
    };

    /// <summary>A program may echo its key in an error or its full report; secret items never reach a report.</summary>
    public static string Scrub(string text, CortexFlavor flavor, IReadOnlyDictionary<string, string> config)
    {
        foreach (var item in flavor.Items.Where(i => i.Secret))
            if (config.TryGetValue(item.Name, out var secret) && secret.Length >= 4)
                text = text.Replace(secret, AnalyzerSecrets.Mask, StringComparison.Ordinal)
                    .Replace(System.Text.Json.JsonEncodedText.Encode(secret).ToString(), AnalyzerSecrets.Mask, StringComparison.Ordinal);
        return text;
    }
}
