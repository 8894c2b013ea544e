namespace Quell.Intel.Warninglists;

/// <summary>A list ready to check values: its definition, its compiled entries and where it comes from.</summary>
public sealed class CompiledWarninglist
{
    public const string MispSource = "misp";
    public const string QuellSource = "quell";

    public CompiledWarninglist(Warninglist list, IListMatcher matcher, string source = MispSource)
    {
        List = list;
        Matcher = matcher;
        Source = source;
    }

    public Warninglist List { get; }
    public IListMatcher Matcher { get; }
    public string Source { get; }

    /// <summary>Whether the list applies to values of <paramref name="type"/> (no matching attributes: every type, as MISP).</summary>
    public bool AppliesTo(string type) =>
        List.MatchingAttributes.Count == 0 || List.MatchingAttributes.Contains(type, StringComparer.Ordinal);

    /// <summary>Compiles a list; null with the reason when an entry cannot be compiled (an invalid CIDR block or pattern).</summary>
    public static CompiledWarninglist? Compile(Warninglist list, out string? error)
    {
        error = null;
        var plain = list.Entries.Select(e => (e, (string?)null));
        IListMatcher? matcher = list.Type switch
        {
            WarninglistType.String => new StringMatcher(plain),
            WarninglistType.Substring => new SubstringMatcher(list.Entries),
            WarninglistType.Hostname => new HostnameMatcher(plain),
            WarninglistType.Cidr => CidrMatcher.Create(plain, out error),
            WarninglistType.Regex => RegexMatcher.Create(list.Entries, out error),
            _ => null,
        };
        return matcher is null ? null : new CompiledWarninglist(list, matcher);
    }
}
