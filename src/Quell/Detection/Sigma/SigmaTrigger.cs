namespace Quell.Detection.Sigma;

/// <summary>
/// A rule's prefilter, as groups of (field, text) pairs: the rule cannot match unless every group has at least one
/// text occurring (case-insensitively) in its field. Derived from the condition: an AND needs the groups of all its
/// children, an OR one group made of each child's most selective group, <c>|all</c> one group per value; NOT and tests
/// without required text (cidr, null, numbers compared) add none. A rule without any group is evaluated for every
/// event of its log source. Requiring every group, not only the most selective one, keeps "parent is explorer.exe
/// and the command line has padding" from being evaluated on every process that explorer.exe starts.
/// </summary>
internal static class SigmaTrigger
{
    /// <summary>The pseudo field of keyword needles: every value of the event is scanned.</summary>
    public const string AnyField = "\0any";

    /// <summary>The groups, all of which must be hit (an empty group is never hit); null when nothing is required.</summary>
    public static List<List<(string Field, string Needle)>>? Of(SigmaNode node)
    {
        switch (node)
        {
            case SigmaNode.Constant c:
                return c.Value ? null : [[]];
            case SigmaNode.And and:
                List<List<(string, string)>>? all = null;
                foreach (var child in and.Children)
                    if (Of(child) is { } t)
                        (all ??= []).AddRange(t);
                return all;
            case SigmaNode.Or or:
                var union = new List<(string, string)>();
                foreach (var child in or.Children)
                {
                    if (Of(child) is not { } t)
                        return null;
                    union.AddRange(t.MinBy(Cost)!);
                }
                return [union];
            case SigmaNode.Field field:
                return Values(field.Name, field.Matchers, field.All);
            case SigmaNode.Keywords keywords:
                return Values(AnyField, keywords.Matchers, keywords.All);
            default:
                return null;
        }
    }

    static List<List<(string Field, string Needle)>>? Values(string name, SigmaValueMatcher[] matchers, bool all)
    {
        if (all)
        {
            // Every value must match, so each value's text is a group of its own.
            var groups = matchers.Select(m => m.RequiredText).Where(t => !string.IsNullOrEmpty(t)).Select(t => new List<(string, string)> { (name, t!) }).ToList();
            return groups.Count == 0 ? null : groups;
        }
        var needles = new List<(string, string)>(matchers.Length);
        foreach (var m in matchers)
        {
            if (string.IsNullOrEmpty(m.RequiredText))
                return null;
            needles.Add((name, m.RequiredText));
        }
        return [needles];
    }

    /// <summary>Fewer and longer needles fire less often.</summary>
    static int Cost(List<(string Field, string Needle)> group) =>
        group.Sum(t => 4 + Math.Max(0, 8 - t.Needle.Length));
}
