namespace Quell.Enrichment.Analyzers;

/// <summary>
/// What a sandbox can be given for an observable: a URL to detonate, or a hash to look up. Quell keeps no content for
/// <c>file</c> observables (an observable's data is text: a name, or "name|sha256" as MISP writes it), so a file can
/// only be looked up by its hash; with no hash in it the run fails saying so, and nothing is sent.
/// </summary>
public sealed record SandboxSubject(string Kind, string Value)
{
    public const string Url = "url";

    public bool IsUrl => Kind == Url;

    public static SandboxSubject For(string analyzer, string dataType, string data)
    {
        if (dataType == Url)
            return new SandboxSubject(Url, data);
        var hash = dataType == "file" && data.LastIndexOf('|') is var bar and >= 0 ? data[(bar + 1)..].Trim() : data.Trim();
        if (HashKind(hash) is { } kind)
            return new SandboxSubject(kind, hash.ToLowerInvariant());
        throw new AnalyzerFailedException(dataType == "file"
            ? $"Quell keeps no content for file observables, so there is nothing to submit to {analyzer}, and '{Shorten(data)}' holds no MD5, SHA-1 or SHA-256 " +
              "to look the file up by; add the file's hash as a hash observable (or write the file observable as name|sha256)"
            : $"{analyzer} looks samples up by MD5, SHA-1 or SHA-256 (32, 40 or 64 hexadecimal digits); '{Shorten(data)}' is none of them");
    }

    /// <summary>md5, sha1 or sha256 by length; null when <paramref name="hash"/> is not one of them.</summary>
    public static string? HashKind(string hash) =>
        hash.All(Uri.IsHexDigit) ? hash.Length switch { 32 => "md5", 40 => "sha1", 64 => "sha256", _ => null } : null;

    static string Shorten(string v) => v.Length <= 80 ? v : v[..80] + "…";
}
