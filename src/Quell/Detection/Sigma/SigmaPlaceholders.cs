using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Quell.Detection.Sigma;

/// <summary>
/// Values of the <c>expand</c> modifier's <c>%placeholder%</c>s from a YAML file, in the shape pySigma pipelines use
/// (<c>vars: {Admins_Workstations: [ws1, "ws2*"], Domain_Controllers: dc1}</c>) or as that map alone, so a file written
/// for sigma-cli works unchanged. A name maps to one value or a list of values (wildcards allowed, as in rules).
/// </summary>
public static class SigmaPlaceholders
{
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SigmaRuleException($"the placeholder file {path} cannot be read: {e.Message}");
        }
        return Parse(text, path);
    }

    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Parse(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new SigmaRuleException($"{source}: not YAML (line {e.Start.Line}): {e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new SigmaRuleException($"{source}: expected a map of placeholder names to values (or a pySigma pipeline with vars:)");
        var map = root.Children.TryGetValue(new YamlScalarNode("vars"), out var vars)
            ? vars as YamlMappingNode ?? throw new SigmaRuleException($"{source}: vars must be a map of placeholder names to values")
            : root;
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Children)
        {
            var name = (key as YamlScalarNode)?.Value;
            if (string.IsNullOrEmpty(name))
                throw new SigmaRuleException($"{source}: a placeholder name must be text (line {key.Start.Line})");
            result[name] = value switch
            {
                YamlScalarNode s when s.Value is { } v => [v],
                YamlSequenceNode seq when seq.Children.All(c => c is YamlScalarNode { Value: not null }) => [.. seq.Children.Select(c => ((YamlScalarNode)c).Value!)],
                _ => throw new SigmaRuleException($"{source}: placeholder '{name}' must be a value or a list of values (line {value.Start.Line})"),
            };
        }
        return result;
    }
}
