using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Quell.Http;

namespace Quell.Intel.Taxii;

/// <summary>Reads a posted TAXII envelope: at most max_content_length bytes (413 past it), JSON, an object with an "objects" list.</summary>
static class TaxiiBody
{
    static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    public static async Task<(JsonDocument? Body, IResult? Problem)> ReadAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        var tooLarge = TaxiiErrors.Error(StatusCodes.Status413PayloadTooLarge, "Content too large",
            $"the body is larger than this API root's max_content_length of {maxBytes} bytes; post the objects in several envelopes");
        using var buffer = await JsonBody.ReadBoundedAsync(request, maxBytes, ct);
        if (buffer is null)
            return (null, tooLarge);
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (!System.Text.Unicode.Utf8.IsValid(bytes.Span))
            return (null, TaxiiErrors.BadRequest("the body is not valid UTF-8; send the envelope as UTF-8 JSON"));
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes, Options);
        }
        catch (JsonException e)
        {
            return (null, TaxiiErrors.BadRequest($"the body is not valid JSON: {e.Message.Split(" Path:")[0]}"));
        }
        if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("objects", out var objects) || objects.ValueKind != JsonValueKind.Array)
        {
            doc.Dispose();
            return (null, TaxiiErrors.BadRequest("the body is not a TAXII envelope: a JSON object with an \"objects\" list"));
        }
        return (doc, null);
    }
}
