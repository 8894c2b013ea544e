using System.Collections.Frozen;

namespace Quell.Intel.Decay;

/// <summary>
/// The base score of an indicator (0-100) from the numerical values MISP's taxonomies give their machine tags
/// (admiralty-scale, confidence-level, estimative-language:likelihood-probability) and the source's confidence.
/// MISP weighs namespaces per model (base_score_config); Quell averages every recognised input with equal weight,
/// which keeps the score explainable. Without any input the model's default base score applies.
/// </summary>
public static class BaseScore
{
    /// <summary>Machine tag (lower-case, quotes removed) → numerical_value, as in MISP/misp-taxonomies.</summary>
    public static readonly FrozenDictionary<string, int> TagValues = new Dictionary<string, int>
    {
        ["admiralty-scale:source-reliability=a"] = 100,
        ["admiralty-scale:source-reliability=b"] = 75,
        ["admiralty-scale:source-reliability=c"] = 50,
        ["admiralty-scale:source-reliability=d"] = 25,
        ["admiralty-scale:source-reliability=e"] = 0,
        ["admiralty-scale:source-reliability=f"] = 50,
        ["admiralty-scale:information-credibility=1"] = 100,
        ["admiralty-scale:information-credibility=2"] = 75,
        ["admiralty-scale:information-credibility=3"] = 50,
        ["admiralty-scale:information-credibility=4"] = 25,
        ["admiralty-scale:information-credibility=5"] = 0,
        ["admiralty-scale:information-credibility=6"] = 50,
        ["confidence-level:completely-confident"] = 100,
        ["confidence-level:usually-confident"] = 75,
        ["confidence-level:fairly-confident"] = 50,
        ["confidence-level:rarely-confident"] = 25,
        ["confidence-level:unconfident"] = 0,
        ["confidence-level:confidence-cannot-be-evaluated"] = 50,
        ["estimative-language:likelihood-probability=almost-no-chance"] = 5,
        ["estimative-language:likelihood-probability=very-unlikely"] = 15,
        ["estimative-language:likelihood-probability=unlikely"] = 30,
        ["estimative-language:likelihood-probability=roughly-even-chance"] = 50,
        ["estimative-language:likelihood-probability=likely"] = 70,
        ["estimative-language:likelihood-probability=very-likely"] = 85,
        ["estimative-language:likelihood-probability=almost-certain"] = 95,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The base score and the inputs it came from ("confidence" or the tag, with its value).</summary>
    public static (double Score, IReadOnlyList<ScoreInput> Inputs) Compute(DecayModel model, IReadOnlyList<string> tags, int? confidence)
    {
        var inputs = new List<ScoreInput>();
        foreach (var tag in tags)
            if (TagValues.TryGetValue(Key(tag), out var value))
                inputs.Add(new ScoreInput(tag, value));
        if (confidence is { } c)
            inputs.Add(new ScoreInput("confidence", Math.Clamp(c, 0, 100)));
        return inputs.Count == 0 ? (model.DefaultBaseScore, inputs) : (inputs.Average(i => i.Value), inputs);
    }

    static string Key(string tag) => tag.Trim().Replace("\"", "", StringComparison.Ordinal).ToLowerInvariant();
}

/// <summary>One input of a base score: a tag or "confidence", and its numerical value.</summary>
public sealed record ScoreInput(string Name, double Value);
