using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Quell.Observables;

namespace Quell.Enrichment.Cortex;

/// <summary>
/// Reads flavour definitions from directories laid out as TheHive-Project/Cortex-Analyzers: <c>analyzers/&lt;Name&gt;/*.json</c>
/// and <c>responders/&lt;Name&gt;/*.json</c>. Each file is checked on its own; one that cannot be used becomes a
/// <see cref="CortexProblem"/> naming the file and the reason, and the others load.
/// </summary>
public static partial class CortexDefinitions
{
    const long MaxFileBytes = 1 << 20;

    public sealed record Loaded(IReadOnlyList<CortexFlavor> Flavors, IReadOnlyList<CortexProblem> Problems);

    public static Loaded Load(IEnumerable<string> directories)
    {
        var flavors = new List<CortexFlavor>();
        var problems = new List<CortexProblem>();
        foreach (var dir in directories)
        {
            if (!Directory.Exists(dir))
            {
                problems.Add(new CortexProblem(dir, "the directory does not exist"));
                continue;
            }
            foreach (var (root, kind) in Roots(Path.GetFullPath(dir)))
                foreach (var file in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal)
                             .SelectMany(d => Directory.EnumerateFiles(d, "*.json").Order(StringComparer.Ordinal)))
                {
                    var flavor = TryRead(file, root, kind, out var reason);
                    if (flavor is not null && flavors.FirstOrDefault(f => f.Kind == kind && f.Name == flavor.Name) is { } earlier)
                    {
                        reason = $"the name {flavor.Name} is already defined by {earlier.File}";
                        flavor = null;
                    }
                    if (flavor is null)
                        problems.Add(new CortexProblem(file, reason!));
                    else
                        flavors.Add(flavor);
                }
        }
        return new Loaded(flavors, problems);
    }

    /// <summary>A checkout's root holds analyzers/ and responders/; a directory without them is read as a folder of analyzers (or responders, by its name).</summary>
    static IEnumerable<(string Root, CortexKind Kind)> Roots(string dir)
    {
        var analyzers = Path.Combine(dir, "analyzers");
        var responders = Path.Combine(dir, "responders");
        if (Directory.Exists(analyzers) || Directory.Exists(responders))
        {
            if (Directory.Exists(analyzers))
                yield return (analyzers, CortexKind.Analyzer);
            if (Directory.Exists(responders))
                yield return (responders, CortexKind.Responder);
        }
        else
            yield return (dir, string.Equals(Path.GetFileName(dir), "responders", StringComparison.OrdinalIgnoreCase) ? CortexKind.Responder : CortexKind.Analyzer);
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,100}$")]
    private static partial Regex NamePattern();

    /// <summary>The flavour in <paramref name="file"/>, or null with the reason it cannot be used.</summary>
    public static CortexFlavor? TryRead(string file, string root, CortexKind kind, out string? reason)
    {
        reason = null;
        JsonObject? o;
        try
        {
            if (new FileInfo(file).Length > MaxFileBytes)
                return Fail(out reason, $"the file is larger than {MaxFileBytes} bytes");
            o = JsonNode.Parse(File.ReadAllText(file), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }) as JsonObject;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return Fail(out reason, $"it cannot be read as JSON: {e.Message}");
        }
        if (o is null)
            return Fail(out reason, "it is not a JSON object");
        if (Text(o, "name") is not { } name || !NamePattern().IsMatch(name))
            return Fail(out reason, "name is missing or not made of letters, digits, '_', '.' and '-' (at most 100)");
        if (o["dataTypeList"] is not JsonArray types || types.Count == 0 || types.Any(t => t is not JsonValue v || !v.TryGetValue<string>(out _)))
            return Fail(out reason, "dataTypeList must be a non-empty array of data type names");
        if (Text(o, "command") is not { Length: > 0 } command)
            return Fail(out reason, "command is missing (Quell runs flavours as Cortex's process runner does; a docker-only flavour has no command)");
        // Cortex resolves the command against the analyzers (or responders) folder: "Abuse_Finder/abusefinder.py".
        var commandPath = Path.GetFullPath(Path.Combine(root, command));
        if (!commandPath.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return Fail(out reason, $"command {command} points outside {root}");
        if (!File.Exists(commandPath))
            return Fail(out reason, $"command {command} does not exist ({commandPath})");
        var items = new List<CortexConfigItem>();
        if (o["configurationItems"] is { } itemsNode)
        {
            if (itemsNode is not JsonArray itemArray)
                return Fail(out reason, "configurationItems must be an array");
            foreach (var node in itemArray)
            {
                if (ReadItem(node, out var itemReason) is not { } item)
                    return Fail(out reason, $"configurationItems[{items.Count}]: {itemReason}");
                if (items.Any(i => i.Name == item.Name))
                    return Fail(out reason, $"configurationItems: {item.Name} is defined twice");
                items.Add(item);
            }
        }
        var config = o["config"] as JsonObject ?? [];
        if (o["config"] is { } c && c is not JsonObject)
            return Fail(out reason, "config must be an object");
        if (Limit(config, "tlp", out var tlpReason) is not { } maxTlp)
            return Fail(out reason, tlpReason!);
        if (Limit(config, "pap", out var papReason) is not { } maxPap)
            return Fail(out reason, papReason!);
        return new CortexFlavor(kind, name, Text(o, "version") ?? "", Text(o, "author"), Text(o, "license"), Text(o, "description") ?? name,
            types.Select(t => t!.GetValue<string>()).ToList(), commandPath, Path.GetDirectoryName(Path.GetDirectoryName(commandPath))!,
            Text(o, "baseConfig"), items, (JsonObject)config.DeepClone(), maxTlp, maxPap, file);
    }

    static CortexConfigItem? ReadItem(JsonNode? node, out string? reason)
    {
        reason = null;
        if (node is not JsonObject i)
            return Fail<CortexConfigItem>(out reason, "an item must be an object");
        if (Text(i, "name") is not { Length: > 0 } name || !NamePattern().IsMatch(name))
            return Fail<CortexConfigItem>(out reason, "name is missing or not made of letters, digits, '_', '.' and '-'");
        var type = Text(i, "type") ?? "string";
        if (type is not ("string" or "number" or "boolean"))
            return Fail<CortexConfigItem>(out reason, $"{name}: type {type} is not string, number or boolean");
        var def = i["defaultValue"];
        if (def is not null && CortexConfig.Convert(name, type, i["multi"]?.GetValueKind() == JsonValueKind.True,
                CortexConfig.DefaultText(def), out var defReason) is null)
            return Fail<CortexConfigItem>(out reason, $"{name}: defaultValue {defReason}");
        return new CortexConfigItem(name, Text(i, "description") ?? "", type, i["multi"]?.GetValueKind() == JsonValueKind.True,
            i["required"]?.GetValueKind() == JsonValueKind.True, def?.DeepClone(), CortexConfig.LooksSecret(name));
    }

    /// <summary>check_tlp/max_tlp (or pap): the most sensitive level the flavour accepts; no check means any (RED).</summary>
    static Tlp? Limit(JsonObject config, string what, out string? reason)
    {
        reason = null;
        if (config[$"check_{what}"]?.GetValueKind() != JsonValueKind.True)
            return Tlp.Red;
        var max = config[$"max_{what}"];
        if (max is null)
            return Tlp.Amber; // cortexutils' default max_tlp/max_pap
        if (max is JsonValue v && v.TryGetValue<int>(out var n) && TlpNames.TryFromTheHive(n, out var tlp))
            return tlp;
        reason = $"config.max_{what} must be a number from 0 (WHITE) to 3 (RED)";
        return null;
    }

    static string? Text(JsonObject o, string name) => o[name] switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
        _ => null,
    };

    static T? Fail<T>(out string? reason, string why) where T : class
    {
        reason = why;
        return null;
    }

    static CortexFlavor? Fail(out string? reason, string why) => Fail<CortexFlavor>(out reason, why);
}
