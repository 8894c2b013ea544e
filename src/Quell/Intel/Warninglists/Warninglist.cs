namespace Quell.Intel.Warninglists;

/// <summary>How a warninglist compares values (MISP's list types).</summary>
public enum WarninglistType
{
    /// <summary>Exact match.</summary>
    String,
    /// <summary>The value contains an entry.</summary>
    Substring,
    /// <summary>The host (of a domain, host name or URL) is an entry or a subdomain of one.</summary>
    Hostname,
    /// <summary>The address or block lies inside a listed block.</summary>
    Cidr,
    /// <summary>An entry, a PCRE-style <c>/pattern/flags</c>, matches the value.</summary>
    Regex,
}

/// <summary>
/// A warninglist as read from a MISP <c>list.json</c>: well-known values (public resolvers, top sites, empty-file
/// hashes) that are indicators only by mistake. <see cref="MatchingAttributes"/> empty means every type, as in MISP.
/// </summary>
public sealed record Warninglist(
    string Name,
    string Description,
    long Version,
    WarninglistType Type,
    IReadOnlyList<string> Entries,
    IReadOnlyList<string> MatchingAttributes,
    string? Path);

/// <summary>
/// One hit of a value on a list: the list's name, where the list comes from ("misp" for loaded lists, "quell" for the
/// built-in sanity checks), the part of the value that hit (a composite value is checked part by part), the entry it
/// hit and why that matters.
/// </summary>
public sealed record WarninglistHit(string List, string Source, string Value, string Match, string Reason);

/// <summary>A list that could not be used: its file and what is wrong with it.</summary>
public sealed record WarninglistProblem(string Path, string Reason);
