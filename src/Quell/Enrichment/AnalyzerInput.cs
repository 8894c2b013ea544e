using System.Globalization;
using System.Text.Json;
using Quell.Http;
using Quell.Observables;

namespace Quell.Enrichment;

/// <summary>
/// The body of <c>PUT /api/v1/analyzers/{name}</c>: <c>{enabled, baseUrl?, config: {...}, rateLimit?, cacheTtl?, maxTlp?,
/// maxPap?, auto?, artifacts?}</c> (and <c>timeout?</c>, one call's limit). PUT replaces the settings: an omitted optional field returns to the analyzer's default. A secret item
/// sent as the mask keeps its stored value, so what GET shows can be sent back unchanged.
/// </summary>
public sealed class AnalyzerInput
{
    static readonly string[] Fields = ["enabled", "baseUrl", "config", "rateLimit", "cacheTtl", "timeout", "maxTlp", "maxPap", "auto", "artifacts"];

    public bool Enabled { get; init; }
    public string? BaseUrl { get; init; }
    public Dictionary<string, string> Config { get; init; } = new(StringComparer.Ordinal);
    public RateLimit? RateLimit { get; init; }
    public TimeSpan? CacheTtl { get; init; }
    public TimeSpan? Timeout { get; init; }
    public Tlp? MaxTlp { get; init; }
    public Tlp? MaxPap { get; init; }
    public string Auto { get; init; } = AutoModes.Off;
    public string Artifacts { get; init; } = ArtifactModes.Keep;

    public static AnalyzerInput? Parse(JsonElement body, AnalyzerDefinition definition, InputErrors errors)
    {
        var f = JsonFields.ForObject(body, errors);
        if (f is null)
            return null;
        foreach (var p in body.EnumerateObject())
            if (!Fields.Contains(p.Name, StringComparer.Ordinal))
                errors.Add(p.Name, $"{p.Name} is not a setting of an analyzer; use {string.Join(", ", Fields)}");
        var enabled = f.Bool("enabled");
        if (enabled is null && !f.Has("enabled"))
            errors.Add("enabled", "enabled is required (true or false)");
        var baseUrl = f.String("baseUrl", maxLength: 2048);
        if (baseUrl is not null && (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0))
            errors.Add("baseUrl", "baseUrl must be an absolute http or https URL without a query, e.g. https://www.virustotal.com");
        var config = ReadConfig(f, definition, errors);
        RateLimit? rate = null;
        if (f.String("rateLimit", maxLength: 200, allowEmpty: true) is { } rateText)
        {
            rate = RateLimit.Parse(rateText, out var rateError);
            if (rateError is not null)
                errors.Add("rateLimit", $"rateLimit: {rateError}");
        }
        var ttl = ReadDuration(f, "cacheTtl", errors);
        var timeout = ReadDuration(f, "timeout", errors);
        if (timeout is { } t && (t < TimeSpan.FromSeconds(1) || t > TimeSpan.FromMinutes(10)))
            errors.Add("timeout", "timeout must be from 1 s to 10 min");
        var maxTlp = TlpNames.Read(f, "maxTlp");
        var maxPap = TlpNames.Read(f, "maxPap");
        var auto = f.String("auto", maxLength: 16);
        if (auto is not null && !AutoModes.All.Contains(auto, StringComparer.Ordinal))
            errors.Add("auto", $"auto must be one of {string.Join(", ", AutoModes.All)}");
        var artifacts = f.String("artifacts", maxLength: 16);
        if (artifacts is not null && !ArtifactModes.All.Contains(artifacts, StringComparer.Ordinal))
            errors.Add("artifacts", $"artifacts must be one of {string.Join(", ", ArtifactModes.All)}");
        return errors.Any ? null : new AnalyzerInput
        {
            Enabled = enabled ?? false,
            BaseUrl = baseUrl?.TrimEnd('/'),
            Config = config,
            RateLimit = rate,
            CacheTtl = ttl,
            Timeout = timeout,
            MaxTlp = maxTlp,
            MaxPap = maxPap,
            Auto = auto ?? AutoModes.Off,
            Artifacts = artifacts ?? ArtifactModes.Keep,
        };
    }

    static Dictionary<string, string> ReadConfig(JsonFields f, AnalyzerDefinition definition, InputErrors errors)
    {
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!f.TryGet("config", out var obj))
            return config;
        if (obj.ValueKind != JsonValueKind.Object)
        {
            errors.Add("config", "config must be an object of configuration items, e.g. {\"key\": \"...\"}");
            return config;
        }
        foreach (var p in obj.EnumerateObject())
        {
            var path = $"config.{p.Name}";
            if (definition.Item(p.Name) is null)
                errors.Add(path, definition.Config.Count == 0
                    ? $"{definition.Name} has no configuration items"
                    : $"{definition.Name} has no configuration item '{Printable(p.Name)}'; its items are {string.Join(", ", definition.Config.Select(c => c.Name))}");
            else if (p.Value.ValueKind == JsonValueKind.Null)
                continue;
            else if (p.Value.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                config[p.Name] = p.Value.GetRawText();
            else if (p.Value.ValueKind != JsonValueKind.String || !JsonFields.TryText(p.Value, out var text) || text.Length > 4096)
                errors.Add(path, $"{path} must be a string of at most 4096 characters");
            else
                config[p.Name] = text;
            if (definition.Item(p.Name) is { Min: { } min, Max: { } max } && config.TryGetValue(p.Name, out var value) &&
                !(int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max))
                errors.Add(path, $"{path} must be a whole number from {min} to {max}");
            // A Cortex item's type (number, boolean; multi) is checked as the run will read it, so a bad value fails here, not at the next run.
            else if (definition.Item(p.Name) is { Type: not "string" } typed && config.TryGetValue(p.Name, out var text) && text != AnalyzerSecrets.Mask &&
                     Cortex.CortexConfig.Convert(typed.Name, typed.Type, typed.Multi, text, out var reason) is null)
                errors.Add(path, $"{path} must be {(typed.Multi ? "several values of type " : "a ")}{typed.Type}: {reason}");
        }
        return config;
    }

    /// <summary>A duration as seconds (a number) or text with a unit: "90s", "30m", "24h", "7d". Zero turns caching off.</summary>
    static TimeSpan? ReadDuration(JsonFields f, string name, InputErrors errors)
    {
        if (!f.TryGet(name, out var v))
            return null;
        const string Message = " must be seconds (a number) or a duration like \"30m\", \"24h\" or \"7d\", at most 365 days";
        double seconds;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var n))
            seconds = n;
        else if (v.ValueKind == JsonValueKind.String && JsonFields.TryText(v, out var text) && text.Trim() is { Length: >= 2 } t &&
                 double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) &&
                 t[^1] switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, _ => 0 } is var unit and > 0)
            seconds = amount * unit;
        else
        {
            errors.Add(name, name + Message);
            return null;
        }
        if (seconds < 0 || seconds > 365 * 86400 || double.IsNaN(seconds))
        {
            errors.Add(name, name + Message);
            return null;
        }
        return TimeSpan.FromSeconds(seconds);
    }

    static string Printable(string s)
    {
        var t = new string(s.Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());
        return t.Length <= 64 ? t : t[..64] + "…";
    }
}
