using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Quell.Detection.Sigma;

/// <summary>Correlation rules and filters (Sigma specification v2); references to other rules are resolved later, by <see cref="SigmaCatalog"/>.</summary>
public static partial class SigmaRuleReader
{
    static SigmaCorrelationRule ReadCorrelation(YamlMappingNode root, string source)
    {
        var title = Scalar(root, "title") ?? throw new SigmaRuleException("the correlation rule has no 'title'");
        if (Child(root, "correlation") is not YamlMappingNode c)
            throw new SigmaRuleException("'correlation' must be a mapping");
        var typeName = Scalar(c, "type") ?? throw new SigmaRuleException("the correlation has no 'type' (event_count, value_count, temporal or temporal_ordered)");
        var type = typeName switch
        {
            "event_count" => SigmaCorrelationType.EventCount,
            "value_count" => SigmaCorrelationType.ValueCount,
            "temporal" => SigmaCorrelationType.Temporal,
            "temporal_ordered" => SigmaCorrelationType.TemporalOrdered,
            _ => throw new SigmaRuleException($"unknown correlation type '{typeName}' (event_count, value_count, temporal or temporal_ordered)"),
        };
        var rules = List(c, "rules");
        if (rules.Count == 0 || rules.Any(string.IsNullOrWhiteSpace))
            throw new SigmaRuleException("the correlation's 'rules' must name one or more rules by id or name");
        if (type is SigmaCorrelationType.Temporal or SigmaCorrelationType.TemporalOrdered && rules.Count < 2)
            throw new SigmaRuleException($"a {typeName} correlation needs two or more rules");
        var timespan = Timespan(Scalar(c, "timespan") ?? throw new SigmaRuleException("the correlation has no 'timespan' (e.g. 5m)"));

        string? field = null;
        SigmaCountCondition condition;
        if (Child(c, "condition") is YamlMappingNode cond)
        {
            long? Bound(string key) => Scalar(cond, key) is { } text
                ? long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n
                    : throw new SigmaRuleException($"the correlation condition's '{key}' must be a whole number, not '{text}'")
                : null;
            foreach (var key in cond.Children.Keys.Select(k => (k as YamlScalarNode)?.Value))
                if (key is not ("gt" or "gte" or "lt" or "lte" or "eq" or "field"))
                    throw new SigmaRuleException($"unknown correlation condition '{key}' (gt, gte, lt, lte, eq, and field for value_count)");
            condition = new SigmaCountCondition(Bound("gt"), Bound("gte"), Bound("lt"), Bound("lte"), Bound("eq"));
            field = Scalar(cond, "field");
            if (condition == new SigmaCountCondition())
                throw new SigmaRuleException("the correlation condition has no bound (gt, gte, lt, lte or eq)");
        }
        else if (Child(c, "condition") is not null)
            throw new SigmaRuleException("the correlation 'condition' must be a mapping such as {gte: 10}");
        else if (type is SigmaCorrelationType.Temporal or SigmaCorrelationType.TemporalOrdered)
            condition = new SigmaCountCondition(Gte: rules.Count); // every rule, the specification's default
        else
            throw new SigmaRuleException($"a {typeName} correlation needs a 'condition' such as {{gte: 10}}");

        if (type == SigmaCorrelationType.ValueCount && string.IsNullOrWhiteSpace(field))
            throw new SigmaRuleException("a value_count correlation needs 'field' in its condition");
        if (type != SigmaCorrelationType.ValueCount && field is not null)
            throw new SigmaRuleException($"'field' in the condition is only for value_count, not {typeName}");
        if (type == SigmaCorrelationType.TemporalOrdered && condition != new SigmaCountCondition(Gte: rules.Count))
            throw new SigmaRuleException("temporal_ordered matches when every rule occurred in order; a condition other than all of them is not supported");
        if (type == SigmaCorrelationType.Temporal && condition.HasUpperBound)
            throw new SigmaRuleException("a temporal condition counts distinct rules and may only have lower bounds (gt, gte)");

        var aliases = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        if (Child(c, "aliases") is { } aliasNode)
        {
            if (aliasNode is not YamlMappingNode aliasMap)
                throw new SigmaRuleException("'aliases' must map an alias to {rule name: field}");
            foreach (var (k, v) in aliasMap.Children)
            {
                var alias = (k as YamlScalarNode)?.Value ?? throw new SigmaRuleException("an alias name is not a string");
                if (v is not YamlMappingNode perRule || perRule.Children.Any(p => p.Key is not YamlScalarNode || p.Value is not YamlScalarNode { Value.Length: > 0 }))
                    throw new SigmaRuleException($"alias '{alias}' must map rule names to field names");
                aliases[alias] = perRule.Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => ((YamlScalarNode)p.Value).Value!, StringComparer.Ordinal);
            }
        }
        var generate = Scalar(root, "generate") ?? Scalar(c, "generate");
        return new SigmaCorrelationRule(
            title, Scalar(root, "id"), Scalar(root, "name"), Scalar(root, "status"), Scalar(root, "level"), Scalar(root, "description"), List(root, "tags"),
            type, rules, List(c, "group-by"), timespan, condition, field, aliases,
            generate switch
            {
                null or "false" or "False" => false,
                "true" or "True" => true,
                _ => throw new SigmaRuleException($"'generate' must be true or false, not '{generate}'"),
            },
            source);
    }

    /// <summary><c>number + s|m|h|d</c>, as the specification writes it (<c>90m</c>).</summary>
    static TimeSpan Timespan(string text)
    {
        var unit = text.Length > 1 ? text[^1] : ' ';
        if (!long.TryParse(text.AsSpan(0, Math.Max(0, text.Length - 1)), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0 || n > 100_000)
            throw new SigmaRuleException($"invalid timespan '{text}': a whole number followed by s, m, h or d, such as 5m");
        return unit switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => throw new SigmaRuleException($"invalid timespan '{text}': a whole number followed by s, m, h or d, such as 5m"),
        };
    }

    static SigmaFilterRule ReadFilter(YamlMappingNode root, string source, SigmaReaderOptions options)
    {
        var title = Scalar(root, "title") ?? throw new SigmaRuleException("the filter has no 'title'");
        if (Child(root, "logsource") is not YamlMappingNode logsource)
            throw new SigmaRuleException("the filter has no 'logsource' mapping");
        if (Child(root, "filter") is not YamlMappingNode filter)
            throw new SigmaRuleException("'filter' must be a mapping of rules, selections and a condition");
        var (condition, node) = ReadDetection(filter, options, "filter", "rules");
        return new SigmaFilterRule(title, Scalar(root, "id"), Logsource(logsource), List(filter, "rules"), condition, source)
        { Detection = node };
    }
}
