using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Quell.Http;
using Quell.Observables;

namespace Quell.Files;

/// <summary>
/// A file posted as <c>multipart/form-data</c>: the part <c>file</c> (its filename is the observable's name unless a
/// <c>filename</c> field says otherwise) and the optional fields <c>ioc</c>, <c>sighted</c>, <c>tags</c> (comma-separated),
/// <c>message</c> and <c>addHashes</c> (also add the md5, sha1 and sha256 as hash observables).
/// </summary>
public sealed record FileUpload(string Name, string ContentType, byte[] Content, bool Ioc, bool Sighted, string[] Tags, string? Message, bool AddHashes)
{
    static readonly string[] Fields = ["file", "filename", "ioc", "sighted", "tags", "message", "addHashes"];
    const int MaxFieldChars = 16 * 1024;
    const int MaxNameChars = 255;

    /// <summary>Room for the multipart framing and the small fields around the file.</summary>
    const long FormOverhead = 1L << 20;

    /// <summary>The file observable (and, with addHashes, the hash observables) for the content kept as <paramref name="file"/>.</summary>
    public List<ObservableInput> Observables(StoredFile file)
    {
        var list = new List<ObservableInput> { new() { DataType = "file", Data = FileValue.Of(Name, file.Sha256), Ioc = Ioc, Sighted = Sighted, Tags = Tags, Message = Message } };
        if (AddHashes)
            list.AddRange(new[] { file.Md5, file.Sha1, file.Sha256 }.Select(h => new ObservableInput { DataType = "hash", Data = h, Ioc = Ioc, Sighted = Sighted, Tags = Tags }));
        return list;
    }

    /// <summary>Reads the form, or the problem that says what is wrong with it (415 not multipart, 413 too large, 400 the field).</summary>
    public static async Task<(FileUpload? Upload, IResult? Problem)> ReadAsync(HttpRequest request, long maxBytes, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) ||
            HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: $"send the file as multipart/form-data with a part named 'file' (got {(string.IsNullOrEmpty(request.ContentType) ? "no Content-Type" : Printable(request.ContentType))})"));
        if (request.ContentLength > maxBytes + FormOverhead)
            return (null, TooLarge(maxBytes));
        // The server-wide body limit is made for JSON; a sample may be larger, up to Files:MaxBytes.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = maxBytes + FormOverhead;

        var errors = new InputErrors();
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        byte[]? content = null;
        string? partName = null, partType = null;
        try
        {
            var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = maxBytes + 1 };
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase) ||
                    HeaderUtilities.RemoveQuotes(disposition.Name).Value is not { } name)
                {
                    errors.Add("body", "every part needs Content-Disposition: form-data with a name");
                    break;
                }
                if (!Fields.Contains(name, StringComparer.Ordinal))
                    errors.Add(Printable(name), $"'{Printable(name)}' is not a field of a file upload; use {string.Join(", ", Fields)}");
                else if (fields.ContainsKey(name) || (name == "file" && content is not null))
                    errors.Add(name, $"{name} is given twice; send one file per request");
                else if (name == "file")
                {
                    var buffer = new MemoryStream();
                    await section.Body.CopyToAsync(buffer, ct);
                    if (buffer.Length > maxBytes)
                        return (null, TooLarge(maxBytes));
                    content = buffer.ToArray();
                    partName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar).Value ?? HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                    partType = section.ContentType;
                }
                else
                {
                    using var text = new StreamReader(section.Body);
                    var value = await text.ReadToEndAsync(ct);
                    if (value.Length > MaxFieldChars)
                        errors.Add(name, $"{name} is longer than {MaxFieldChars} characters");
                    else
                        fields[name] = value;
                }
            }
        }
        catch (InvalidDataException e) when (e.Message.Contains("length limit", StringComparison.OrdinalIgnoreCase))
        {
            return (null, TooLarge(maxBytes));
        }
        catch (InvalidDataException e)
        {
            return (null, Problems.BadRequest($"the multipart body is malformed: {e.Message}"));
        }
        catch (IOException e) when (e.Message.Contains("Unexpected end", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.BadRequest("the multipart body ends before its closing boundary"));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(maxBytes));
        }

        return Create(content, partName, partType, fields, errors);
    }

    /// <summary>
    /// Checks what was posted (content of at most the limit, already checked by the reader; a name; the optional fields
    /// by name) and makes the upload, or the problem naming each bad field. The web UI's form uses it too.
    /// </summary>
    public static (FileUpload? Upload, IResult? Problem) Create(byte[]? content, string? partName, string? partType, IReadOnlyDictionary<string, string> fields, InputErrors errors)
    {
        if (content is null)
            errors.Add("file", "file is required: a part named 'file' holding the file's content");
        else if (content.Length == 0)
            errors.Add("file", "file is empty; Quell keeps no empty samples (a file of 0 bytes tells a sandbox nothing)");
        // Without a file there is no name to ask for: one error, on "file".
        var fileName = content is null ? null : ReadName(fields.GetValueOrDefault("filename") is { Length: > 0 } given ? given : partName, errors);
        var ioc = Flag(fields, "ioc", errors);
        var sighted = Flag(fields, "sighted", errors);
        var addHashes = Flag(fields, "addHashes", errors);
        var tags = (fields.GetValueOrDefault("tags") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToArray();
        if (tags.Length > 100 || tags.Any(t => t.Length > 128))
            errors.Add("tags", "tags are at most 100, of at most 128 characters each");
        var message = fields.GetValueOrDefault("message") is { Length: > 0 } m ? m : null;
        if (errors.Any)
            return (null, Problems.Invalid(errors));
        var contentType = partType is { Length: > 0 and <= 200 } && MediaTypeHeaderValue.TryParse(partType, out var parsed) ? parsed.MediaType.Value! : "application/octet-stream";
        return (new FileUpload(fileName!, contentType, content!, ioc, sighted, tags, message, addHashes), null);
    }

    /// <summary>The file's own name: any folder a browser or client sent is dropped, control characters refused.</summary>
    static string? ReadName(string? raw, InputErrors errors)
    {
        var name = raw?.Replace('\\', '/').Split('/').Last().Trim();
        if (string.IsNullOrEmpty(name))
            errors.Add("filename", "the file part has no filename; send one in its Content-Disposition or as the field 'filename'");
        else if (name.Any(char.IsControl))
            errors.Add("filename", "filename must not hold control characters");
        else if (name.Length > MaxNameChars)
            errors.Add("filename", $"filename is longer than {MaxNameChars} characters");
        else
            return name;
        return null;
    }

    static bool Flag(IReadOnlyDictionary<string, string> fields, string name, InputErrors errors)
    {
        if (!fields.TryGetValue(name, out var v))
            return false;
        if (bool.TryParse(v.Trim(), out var b))
            return b;
        errors.Add(name, $"{name} must be true or false");
        return false;
    }

    public static IResult TooLarge(long maxBytes) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large",
            detail: $"the file is larger than {maxBytes} bytes (Files:MaxBytes); Quell keeps samples up to that size");

    static string Printable(string s)
    {
        var t = new string(s.Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());
        return t.Length <= 64 ? t : t[..64] + "…";
    }
}
