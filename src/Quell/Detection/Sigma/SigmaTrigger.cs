namespace Quell.Detection.Sigma;

/// <summary>
/// A rule's prefilter: (field, text) pairs such that the rule cannot match unless at least one text occurs
/// (case-insensitively) in its field. Derived from the condition: an AND needs one of its children's triggers
/// (the most selective), an OR needs all of them, NOT and tests without required text (regex, cidr, null, numbers
/// compared) have none, and a rule without a trigger is evaluated for every event of its log source.
/// </summary>
internal static class SigmaTrigger
{
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
                if (field.All)
                {
                    var longest = field.Matchers.Select(m => m.RequiredText).Where(t => !string.IsNullOrEmpty(t)).MaxBy(t => t!.Length);
                    return longest is null ? null : [(field.Name, longest)];
                }
                var needles = new List<(string, string)>(field.Matchers.Length);
                foreach (var m in field.Matchers)
                {
                    if (string.IsNullOrEmpty(m.RequiredText))
                        return null;
                    needles.Add((field.Name, m.RequiredText));
                }
                return needles;
            default:
                return null;
        }
    }

    /// <summary>Fewer and longer needles fire less often.</summary>
    static int Cost(List<(string Field, string Needle)> trigger) =>
        trigger.Sum(t => 4 + Math.Max(0, 8 - t.Needle.Length));
}
