namespace Quell.Files;

/// <summary>What Quell keeps about a file's content besides the bytes: its hashes, size and the content type it was uploaded with.</summary>
public sealed class StoredFile
{
    public const string Columns = "sha256 AS Sha256, sha1 AS Sha1, md5 AS Md5, size AS Size, content_type AS ContentType";

    public string Sha256 { get; set; } = "";
    public string Sha1 { get; set; } = "";
    public string Md5 { get; set; } = "";
    public long Size { get; set; }

    /// <summary>As the uploader declared it; never used to serve the file (downloads are application/octet-stream).</summary>
    public string ContentType { get; set; } = "";
}

/// <summary>
/// The value of a file observable with content: "name|sha256", as MISP writes its filename|sha256 attributes. The hash
/// makes two different files of one name two observables, each with its own reports; the name alone would merge them.
/// </summary>
public static class FileValue
{
    public static string Of(string name, string sha256) => name + "|" + sha256;

    /// <summary>The name and SHA-256 of a file observable's value, or null when it names no SHA-256.</summary>
    public static (string Name, string Sha256)? Parse(string data)
    {
        var bar = data.LastIndexOf('|');
        if (bar < 0)
            return null;
        var hash = data[(bar + 1)..].Trim();
        return hash.Length == 64 && hash.All(char.IsAsciiHexDigit) ? (data[..bar], hash.ToLowerInvariant()) : null;
    }
}
