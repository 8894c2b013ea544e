namespace Quell.Enrichment.Analyzers;

/// <summary>
/// What a sandbox can be given for an observable: a URL to detonate, a file's content to upload (a file observable
/// whose content Quell keeps), or a hash to look up (a hash, or a file observable written "name|sha256" without
/// content). A file with neither content nor hash fails saying so, and nothing is sent.
/// </summary>
public sealed record SandboxSubject(string Kind, string Value, FileSample? File = null)
{
    public const string Url = "url";
    public const string Upload = "upload";

    public bool IsUrl => Kind == Url;

    public static SandboxSubject For(string analyzer, AnalyzerRun run)
    {
        if (run.DataType == Url)
            return new SandboxSubject(Url, run.Data);
        if (run.DataType == "file" && run.File is { } file)
            return new SandboxSubject(Upload, file.Name, file);
        var data = run.Data;
        var hash = run.DataType == "file" && data.LastIndexOf('|') is var bar and >= 0 ? data[(bar + 1)..].Trim() : data.Trim();
        if (HashKind(hash) is { } kind)
            return new SandboxSubject(kind, hash.ToLowerInvariant());
        throw new AnalyzerFailedException(run.DataType == "file"
            ? $"Quell keeps no content for this file observable, so there is nothing to submit to {analyzer}, and '{Shorten(data)}' holds no MD5, SHA-1 or SHA-256 " +
              "to look the file up by; attach the file (POST /api/v1/cases/{id}/observables/file or the alert's) or add its hash as a hash observable"
            : $"{analyzer} looks samples up by MD5, SHA-1 or SHA-256 (32, 40 or 64 hexadecimal digits); '{Shorten(data)}' is none of them");
    }

    /// <summary>md5, sha1 or sha256 by length; null when <paramref name="hash"/> is not one of them.</summary>
    public static string? HashKind(string hash) =>
        hash.All(Uri.IsHexDigit) ? hash.Length switch { 32 => "md5", 40 => "sha1", 64 => "sha256", _ => null } : null;

    /// <summary>The file as a multipart part named <paramref name="field"/>, with its name as the part's filename.</summary>
    public async Task<MultipartFormDataContent> FormAsync(string field, CancellationToken ct)
    {
        var bytes = await File!.ReadAsync(ct);
        var part = new ByteArrayContent(bytes);
        part.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        return new MultipartFormDataContent { { part, field, File.Name } };
    }

    static string Shorten(string v) => v.Length <= 80 ? v : v[..80] + "…";
}
