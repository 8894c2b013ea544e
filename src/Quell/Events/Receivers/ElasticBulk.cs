using System.Text.Json;

namespace Quell.Events.Receivers;

/// <summary>One action of a bulk request: its verb, its index and id as given, the event it carries or why it is refused.</summary>
public sealed record BulkItem(string Action, string Index, string? Id, IncomingEvent? Event, int Status, string? ErrorType, string? Reason);

/// <summary>
/// Elasticsearch's <c>_bulk</c> body: NDJSON, an action line (<c>{"create":{"_index":…}}</c>) followed by a source line
/// for <c>index</c> and <c>create</c> (and <c>update</c>), none for <c>delete</c>. Events are only appended, so
/// <c>index</c> and <c>create</c> store the source and <c>update</c>/<c>delete</c> fail per item, as Elasticsearch
/// reports a refused item. A malformed action line fails the whole request before anything is stored, as it does there.
/// </summary>
public static class ElasticBulk
{
    /// <summary>The parsed items, or the request-level error (Elasticsearch's <c>illegal_argument_exception</c> wording).</summary>
    public static (List<BulkItem>? Items, string? Error) Parse(ReadOnlySpan<byte> body, string? defaultIndex, int maxItems)
    {
        var items = new List<BulkItem>();
        var lineNumber = 0;
        while (true)
        {
            if (!NextLine(ref body, ref lineNumber, out var actionNumber, out var action))
                break;
            if (items.Count >= maxItems)
                return (null, $"The bulk request holds more than {maxItems} actions; send smaller batches (Filebeat: bulk_max_size)");
            string verb;
            string? index = defaultIndex, id = null;
            try
            {
                using var doc = JsonDocument.Parse(action.ToArray());
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    return (null, $"Malformed action/metadata line [{actionNumber}], expected START_OBJECT but found [{doc.RootElement.ValueKind}]");
                using var properties = doc.RootElement.EnumerateObject();
                if (!properties.MoveNext())
                    return (null, $"Malformed action/metadata line [{actionNumber}], expected FIELD_NAME but found [END_OBJECT]");
                var p = properties.Current;
                verb = p.Name;
                if (verb is not ("index" or "create" or "update" or "delete"))
                    return (null, $"Malformed action/metadata line [{actionNumber}], expected one of [create, delete, index, update] but found [{Printable(verb)}]");
                if (p.Value.ValueKind == JsonValueKind.Object)
                {
                    if (p.Value.TryGetProperty("_index", out var i) && i.ValueKind == JsonValueKind.String)
                        index = i.GetString();
                    if (p.Value.TryGetProperty("_id", out var d) && d.ValueKind == JsonValueKind.String)
                        id = d.GetString();
                }
            }
            catch (JsonException e)
            {
                return (null, $"Malformed action/metadata line [{actionNumber}]: {Printable(e.Message)}");
            }
            if (index is null)
                return (null, $"Validation Failed: 1: index is missing (action/metadata line [{actionNumber}]);");
            if (verb == "delete")
            {
                items.Add(new(verb, index, id, null, 400, "action_request_validation_exception", "Quell keeps events append-only: delete is not supported"));
                continue;
            }
            if (!NextLine(ref body, ref lineNumber, out _, out var source))
                return (null, $"The bulk request must be terminated by a newline [\\n]; action/metadata line [{actionNumber}] has no source line");
            if (verb == "update")
            {
                items.Add(new(verb, index, id, null, 400, "action_request_validation_exception", "Quell keeps events append-only: update is not supported"));
                continue;
            }
            items.Add(Source(verb, index, id, source));
        }
        return (items, null);
    }

    static BulkItem Source(string verb, string index, string? id, ReadOnlySpan<byte> bytes)
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
            return new(verb, index, id, null, 400, "document_parsing_exception", "failed to parse: the document is not valid UTF-8");
        try
        {
            using var doc = JsonDocument.Parse(bytes.ToArray(), new JsonDocumentOptions { MaxDepth = JsonStream.MaxDepth });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return new(verb, index, id, null, 400, "document_parsing_exception", $"failed to parse: the document is a JSON {doc.RootElement.ValueKind}, not an object");
            var extra = new Dictionary<string, object?>(StringComparer.Ordinal) { ["_index"] = index };
            return new(verb, index, id, EventNormalizer.Normalize(doc.RootElement, System.Text.Encoding.UTF8.GetString(bytes), extra), 201, null, null);
        }
        catch (JsonException e)
        {
            return new(verb, index, id, null, 400, "document_parsing_exception", $"failed to parse: {Printable(e.Message)}");
        }
    }

    /// <summary>The next non-blank line and its number; false at the end.</summary>
    static bool NextLine(ref ReadOnlySpan<byte> body, ref int number, out int lineNumber, out ReadOnlySpan<byte> line)
    {
        while (!body.IsEmpty)
        {
            var newline = body.IndexOf((byte)'\n');
            line = newline < 0 ? body : body[..newline];
            body = newline < 0 ? default : body[(newline + 1)..];
            number++;
            line = line.TrimEnd("\r"u8);
            if (!line.Trim(" \t"u8).IsEmpty)
            {
                lineNumber = number;
                return true;
            }
        }
        lineNumber = number;
        line = default;
        return false;
    }

    static string Printable(string s)
    {
        s = s.Length > 200 ? s[..200] + "…" : s;
        return string.Create(s.Length, s, (span, text) =>
        {
            for (var i = 0; i < text.Length; i++)
                span[i] = char.IsControl(text[i]) ? '?' : text[i];
        });
    }
}
