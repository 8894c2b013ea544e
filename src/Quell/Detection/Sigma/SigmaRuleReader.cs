using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Quell.Detection.Sigma;

/// <summary>
/// Reads Sigma rule files: detection rules, correlation rules and filters. A document that cannot be compiled (bad YAML, an unknown modifier, a condition naming a
/// missing selection, ...) is not loaded and is reported with its reason; reading never throws for bad input.
/// </summary>
public static partial class SigmaRuleReader
{
    public static SigmaLoadResult Read(string yaml, string source, SigmaReaderOptions? options = null)
    {
        options ??= new SigmaReaderOptions();
        var rules = new List<SigmaRule>();
        var correlations = new List<SigmaCorrelationRule>();
        var filters = new List<SigmaFilterRule>();
        var problems = new List<SigmaLoadProblem>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            problems.Add(new SigmaLoadProblem(source, null, null, $"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {Inner(e).Message}"));
            return new SigmaLoadResult(rules, problems);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet throws these on some malformed input instead of a YamlException (found by SigmaFuzzTests).
            problems.Add(new SigmaLoadProblem(source, null, null, $"invalid YAML: {e.Message}"));
            return new SigmaLoadResult(rules, problems);
        }
        if (stream.Documents.Count == 0)
            problems.Add(new SigmaLoadProblem(source, null, null, "the file holds no YAML document"));
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is not YamlMappingNode root)
            {
                problems.Add(new SigmaLoadProblem(source, null, null, "the document is not a YAML mapping"));
                continue;
            }
            var id = Scalar(root, "id");
            var title = Scalar(root, "title");
            try
            {
                if (Child(root, "correlation") is not null)
                    correlations.Add(ReadCorrelation(root, source));
                else if (Child(root, "filter") is not null && Child(root, "detection") is null)
                    filters.Add(ReadFilter(root, source, options));
                else
                    rules.Add(ReadRule(root, source, options));
            }
            catch (SigmaRuleException e)
            {
                problems.Add(new SigmaLoadProblem(source, id, title, e.Message));
            }
            catch (InvalidCastException)
            {
                problems.Add(new SigmaLoadProblem(source, id, title, "a rule attribute has the wrong YAML type"));
            }
        }
        return new SigmaLoadResult(rules, problems) { Correlations = correlations, Filters = filters };
    }

    static Exception Inner(YamlException e) => e.InnerException is YamlException inner ? Inner(inner) : e;

    static SigmaRule ReadRule(YamlMappingNode root, string source, SigmaReaderOptions options)
    {
        var title = Scalar(root, "title") ?? throw new SigmaRuleException("the rule has no 'title'");
        if (Child(root, "detection") is not YamlMappingNode detection)
            throw new SigmaRuleException("the rule has no 'detection' mapping");
        if (Child(root, "logsource") is not YamlMappingNode logsource)
            throw new SigmaRuleException("the rule has no 'logsource' mapping");

        var (condition, node) = ReadDetection(detection, options, "detection");

        return new SigmaRule(
            title,
            Scalar(root, "id"),
            Scalar(root, "status"),
            Scalar(root, "level"),
            Scalar(root, "description"),
            List(root, "tags"),
            Logsource(logsource),
            List(root, "falsepositives"),
            List(root, "fields"),
            condition,
            source)
        { Detection = node, Name = Scalar(root, "name") };
    }

    /// <summary>Named selections and the <c>condition</c> over them; <paramref name="skip"/> names keys that are not selections.</summary>
    static (string Condition, SigmaNode Node) ReadDetection(YamlMappingNode detection, SigmaReaderOptions options, string section, params string[] skip)
    {
        var selections = new Dictionary<string, SigmaNode>(StringComparer.Ordinal);
        string? condition = null;
        foreach (var (keyNode, value) in detection.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? throw new SigmaRuleException($"a {section} key is not a string");
            if (key == "condition")
            {
                condition = value switch
                {
                    YamlScalarNode s => s.Value,
                    // Sigma v1: a list of conditions, any of which may match.
                    YamlSequenceNode list when list.Children.Count > 0 =>
                        string.Join(" or ", list.Children.Select(c => $"({(c as YamlScalarNode)?.Value ?? throw new SigmaRuleException("a condition in the list is not a string")})")),
                    _ => throw new SigmaRuleException("'condition' must be a string or a list of strings"),
                };
                continue;
            }
            if (key == "timeframe" || skip.Contains(key))
                continue;
            selections[key] = Selection(key, value, options);
        }
        if (string.IsNullOrWhiteSpace(condition))
            throw new SigmaRuleException($"the {section} has no 'condition'");
        return (condition, SigmaCondition.Parse(condition, selections, options.MaxConditionDepth));
    }

    /// <summary>A selection: a map (items AND-ed), a list of maps (OR-ed), or a list of keywords.</summary>
    static SigmaNode Selection(string name, YamlNode node, SigmaReaderOptions options)
    {
        switch (node)
        {
            case YamlMappingNode map:
                return Map(name, map, options);
            case YamlSequenceNode list when list.Children.Count > 0 && list.Children.All(c => c is YamlMappingNode):
                var alternatives = list.Children.Select(c => Map(name, (YamlMappingNode)c, options)).ToArray();
                return alternatives.Length == 1 ? alternatives[0] : new SigmaNode.Or(alternatives);
            case YamlSequenceNode list when list.Children.Count > 0 && list.Children.All(c => c is YamlScalarNode):
                return SigmaModifiers.Compile(null, [], [.. list.Children.Select(c => ScalarValue((YamlScalarNode)c))], options);
            case YamlScalarNode scalar when ScalarValue(scalar) is { } keyword:
                return SigmaModifiers.Compile(null, [], [keyword], options);
            default:
                throw new SigmaRuleException($"selection '{name}' must be a map, a list of maps or a list of keywords");
        }
    }

    static SigmaNode Map(string name, YamlMappingNode map, SigmaReaderOptions options)
    {
        if (map.Children.Count == 0)
            throw new SigmaRuleException($"selection '{name}' is empty");
        var items = new List<SigmaNode>();
        foreach (var (keyNode, value) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? throw new SigmaRuleException($"a key of selection '{name}' is not a string");
            var parts = key.Split('|');
            var field = parts[0].Length == 0 ? null : parts[0];
            var values = value switch
            {
                YamlScalarNode s => [ScalarValue(s)],
                YamlSequenceNode list => list.Children.Select(c => c is YamlScalarNode s ? ScalarValue(s)
                    : throw new SigmaRuleException($"values of '{key}' in selection '{name}' must be scalars")).ToList(),
                _ => throw new SigmaRuleException($"the value of '{key}' in selection '{name}' must be a scalar or a list"),
            };
            items.Add(SigmaModifiers.Compile(field, parts[1..], values, options));
        }
        return items.Count == 1 ? items[0] : new SigmaNode.And([.. items]);
    }

    /// <summary>A scalar's text, or null for YAML null (<c>null</c>, <c>~</c> or nothing, unquoted).</summary>
    static string? ScalarValue(YamlScalarNode s) =>
        s.Style is ScalarStyle.Plain or ScalarStyle.Any && s.Value is null or "" or "~" or "null" or "Null" or "NULL" ? null : s.Value ?? "";

    static SigmaLogsource Logsource(YamlMappingNode logsource) =>
        new(Scalar(logsource, "product"), Scalar(logsource, "category"), Scalar(logsource, "service"));

    static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    static string? Scalar(YamlMappingNode map, string key) => Child(map, key) is YamlScalarNode s ? s.Value : null;

    static IReadOnlyList<string> List(YamlMappingNode map, string key) => Child(map, key) switch
    {
        YamlSequenceNode list => [.. list.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "")],
        YamlScalarNode s when !string.IsNullOrEmpty(s.Value) => [s.Value],
        _ => [],
    };
}
