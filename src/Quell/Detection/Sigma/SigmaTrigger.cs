namespace Quell.Detection.Sigma;

/// <summary>
/// A rule's prefilter: (field, text) pairs such that the rule cannot match unless at least one text occurs
/// (case-insensitively) in its field. Derived from the condition: an AND needs one of its children's triggers
/// (the most selective), an OR needs all of them, NOT and tests without required text (regex, cidr, null, numbers
/// compared) have none, and a rule without a trigger is evaluated for every event of its log source.
/// </summary>
internal static class SigmaTrigger
{
    /// <summary>The pseudo field of keyword needles: every value of the event is scanned.</summary>
    public const string AnyField = "\0any";

    public static List<(string Field, string Needle)>? Of(SigmaNode node)
    {
        switch (node)
        {
            case SigmaNode.Constant c:
                return c.Value ? null : [];
            case SigmaNode.And and:
                List<(string, string)>? best = null;
                foreach (var child in and.Children)
                    if (Of(child) is { } t && (best is null || Cost(t) < Cost(best)))
                        best = t;
                return best;
            case SigmaNode.Or or:
                var union = new List<(string, string)>();
                foreach (var child in or.Children)
                {
                    if (Of(child) is not { } t)
                        return null;
                    union.AddRange(t);
                }
                return union;
            case SigmaNode.Field field:
                return Values(field.Name, field.Matchers, field.All);
            case SigmaNode.Keywords keywords:
                return Values(AnyField, keywords.Matchers, keywords.All);
            default:
                return null;
        }
    }

    static List<(string Field, string Needle)>? Values(string name, SigmaValueMatcher[] matchers, bool all)
    {
        if (all)
        {
            var longest = matchers.Select(m => m.RequiredText).Where(t => !string.IsNullOrEmpty(t)).MaxBy(t => t!.Length);
            return longest is null ? null : [(name, longest)];
        }
        var needles = new List<(string, string)>(matchers.Length);
        foreach (var m in matchers)
        {
            if (string.IsNullOrEmpty(m.RequiredText))
                return null;
            needles.Add((name, m.RequiredText));
        }
        return needles;
    }

    /// <summary>Fewer and longer needles fire less often.</summary>
    static int Cost(List<(string Field, string Needle)> trigger) =>
        trigger.Sum(t => 4 + Math.Max(0, 8 - t.Needle.Length));
}
