using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Quell.Observables;

namespace Quell.Enrichment.Cortex;

/// <summary>
/// The <c>config</c> object of input.json, built as Cortex builds it: the flavour's own config, then the organisation's
/// items (typed by their definition; an unset item takes its defaultValue), then Cortex's global fields (proxy, TLP/PAP
/// checks) from Quell's settings of the analyzer.
/// </summary>
public static partial class CortexConfig
{
    /// <summary>Cortex's global items every worker has, added to a flavour's own ones (unless it defines them itself).</summary>
    public static readonly CortexConfigItem[] Global =
    [
        new("proxy_http", "HTTP proxy the program uses (sets config.proxy.http; cortexutils exports it as http_proxy)", "string", false, false, null, false),
        new("proxy_https", "HTTPS proxy the program uses (sets config.proxy.https; cortexutils exports it as https_proxy)", "string", false, false, null, false),
        new("cacerts", "PEM certificates to trust, written to input/cacerts and given as REQUESTS_CA_BUNDLE", "string", false, false, null, false),
    ];

    [GeneratedRegex("(?<=[a-z0-9])(?=[A-Z])|[^A-Za-z0-9]+")]
    private static partial Regex WordBreak();

    static readonly string[] SecretWords = ["passwd", "pwd", "passphrase", "credential", "credentials"];
    static readonly string[] SecretEndings = ["key", "password", "secret", "token"];

    /// <summary>
    /// Whether an item holds a secret, by its name: one of its words (split at '_', '-', '.' and camelCase) is key, password,
    /// secret, token, … or it ends with one (apikey, authtoken). Such items are encrypted at rest and shown masked.
    /// </summary>
    public static bool LooksSecret(string name)
    {
        var words = WordBreak().Split(name).Where(w => w.Length > 0).Select(w => w.ToLowerInvariant()).ToArray();
        return words.Any(w => SecretWords.Contains(w) || SecretEndings.Any(e => w.EndsWith(e, StringComparison.Ordinal)));
    }

    /// <summary>
    /// A stored item (text) as the JSON the program expects; null with the reason when it does not fit the type. A multi
    /// item is a JSON array or comma-separated values.
    /// </summary>
    public static JsonNode? Convert(string name, string type, bool multi, string text, out string? reason)
    {
        reason = null;
        if (multi)
        {
            var parts = new List<string>();
            if (text.TrimStart().StartsWith('['))
            {
                try
                {
                    foreach (var e in JsonDocument.Parse(text).RootElement.EnumerateArray())
                        parts.Add(e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText());
                }
                catch (Exception e) when (e is JsonException or InvalidOperationException)
                {
                    reason = $"'{text}' is not a JSON array";
                    return null;
                }
            }
            else
                parts.AddRange(text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            var array = new JsonArray();
            foreach (var p in parts)
            {
                if (Convert(name, type, false, p, out reason) is not { } one)
                    return null;
                array.Add(one);
            }
            return array;
        }
        switch (type)
        {
            case "number" when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d):
                return d == Math.Floor(d) && Math.Abs(d) < 1e15 ? JsonValue.Create((long)d) : JsonValue.Create(d);
            case "number":
                reason = $"'{text}' is not a number";
                return null;
            case "boolean" when bool.TryParse(text, out var b):
                return JsonValue.Create(b);
            case "boolean":
                reason = $"'{text}' is not true or false";
                return null;
            default:
                return JsonValue.Create(text);
        }
    }

    /// <summary>The config object for one run; an item that does not fit its type fails the run naming it.</summary>
    public static JsonObject Build(CortexFlavor flavor, IReadOnlyDictionary<string, string> items, Tlp maxTlp, Tlp maxPap)
    {
        var config = (JsonObject)flavor.Config.DeepClone();
        foreach (var item in flavor.Items)
        {
            JsonNode? value;
            if (items.TryGetValue(item.Name, out var text) && text.Length > 0)
                value = Convert(item.Name, item.Type, item.Multi, text, out var reason)
                    ?? throw new AnalyzerFailedException($"the configuration item '{item.Name}' ({item.Type}{(item.Multi ? ", several" : "")}): {reason}");
            else if (item.Default is { } d)
                value = Convert(item.Name, item.Type, item.Multi, DefaultText(d), out _); // checked when the definition was read
            else if (item.Required)
                throw new AnalyzerFailedException($"the configuration item '{item.Name}' is required ({item.Description}); set it with PUT /api/v1/analyzers/{flavor.QuellName}");
            else
                continue;
            config[item.Name] = value;
        }
        var proxy = new JsonObject();
        if (items.TryGetValue("proxy_http", out var http) && http.Length > 0)
            proxy["http"] = http;
        if (items.TryGetValue("proxy_https", out var https) && https.Length > 0)
            proxy["https"] = https;
        if (proxy.Count > 0)
            config["proxy"] = proxy;
        // Quell checks TLP and PAP before it runs anything; the program is told the same limits so its own check agrees.
        config["check_tlp"] = true;
        config["max_tlp"] = Number(maxTlp);
        config["check_pap"] = true;
        config["max_pap"] = Number(maxPap);
        return config;
    }

    /// <summary>A defaultValue as the text an admin would store ("25" and 25 both give the number 25 for a number item).</summary>
    public static string DefaultText(JsonNode d) => d is JsonValue v && v.TryGetValue<string>(out var s) ? s : d.ToJsonString();

    /// <summary>TLP as Cortex numbers it (0 WHITE … 3 RED); AMBER+STRICT is 3, so "at most AMBER" (2) still refuses it.</summary>
    public static int Number(Tlp tlp) => tlp switch { Tlp.Clear => 0, Tlp.Green => 1, Tlp.Amber => 2, _ => 3 };
}
