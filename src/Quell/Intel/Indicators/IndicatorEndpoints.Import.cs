using System.Text;
using Microsoft.AspNetCore.Http;
using Quell.Audit;
using Quell.Http;
using Quell.Identity;
using Quell.Intel.Feeds;
using Quell.Storage;

namespace Quell.Intel.Indicators;

/// <summary>What <c>POST /api/v1/indicators/_import</c> did: counts, the first item errors, and the imported indicators by type.</summary>
public sealed record TextImportResult(int Added, int Updated, int Rejected, IReadOnlyList<FeedItemError> Errors, IReadOnlyDictionary<string, int> Types);

public static partial class IndicatorEndpoints
{
    static async Task<IResult> Import(HttpRequest request, Caller caller, Db db, IndicatorStore store, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var errors = new InputErrors();
        var q = new QueryParams(request.Query, errors);
        var format = q.String("format") is null ? null : q.OneOf("format", TextImport.Formats, "csv");
        if (format is null && !errors.Any)
            errors.Add("format", "format is required: csv or freetext");
        var sourceName = q.String("source", 256);
        if (errors.Any)
            return Problems.Invalid(errors);
        if (request.ContentLength > MaxImportBytes)
            return Problems.Invalid("body", $"the body is larger than {MaxImportBytes >> 20} MB; split the import");
        var text = await ReadTextAsync(request.Body, MaxImportBytes, ct);
        if (text is null)
            return Problems.Invalid("body", $"the body is larger than {MaxImportBytes >> 20} MB or not UTF-8 text; split the import");
        return await ImportTextAsync(format!, sourceName, text, caller, db, store, audit, time, ct);
    }

    /// <summary>
    /// Imports a CSV or freetext body in one transaction: 200 with a <see cref="TextImportResult"/>, or 400 on
    /// <c>body</c> when the text cannot be read at all (then nothing is written). The API and the web UI's import page
    /// both end here; <paramref name="sourceName"/> defaults to "import by (user)".
    /// </summary>
    public static async Task<IResult> ImportTextAsync(string format, string? sourceName, string text, Caller caller, Db db, IndicatorStore store, AuditLog audit,
        TimeProvider time, CancellationToken ct)
    {
        sourceName ??= "import by " + caller.Username;
        List<FeedEntry> entries;
        try
        {
            entries = TextImport.Parse(format, text);
        }
        catch (FeedFormatException e)
        {
            return Problems.Invalid("body", e.Message);
        }

        var itemErrors = new List<FeedItemError>();
        var rejected = 0;
        var pending = new Dictionary<(string, string), PendingIndicator>();
        foreach (var entry in entries)
        {
            if (entry.Error is { } parseError)
            {
                rejected++;
                if (itemErrors.Count < IndicatorStore.MaxErrors)
                    itemErrors.Add(parseError);
                continue;
            }
            var p = store.Prepare(entry.Indicator!, new ImportOptions(), out var reason);
            if (p is null)
            {
                rejected++;
                if (itemErrors.Count < IndicatorStore.MaxErrors)
                    itemErrors.Add(new FeedItemError(entry.Indicator!.SourceRef ?? "", reason!));
                continue;
            }
            if (pending.TryGetValue((p.Type, p.Value), out var earlier))
                earlier.Absorb(p);
            else
                pending.Add((p.Type, p.Value), p);
        }
        var source = new IndicatorSource("import", sourceName);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var items = pending.Values.ToList();
        var (added, updated) = await db.WriteAsync(async (c, tx) =>
        {
            int added = 0, updated = 0;
            var run = IndicatorStore.NewRun();
            foreach (var chunk in items.Chunk(IndicatorStore.BatchSize))
                foreach (var o in await IndicatorWrites.UpsertAsync(c, tx, caller.OrgId, source, chunk, run, now))
                {
                    if (o.Linked)
                        added++;
                    else
                        updated++;
                }
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "indicator.import", "indicator-import", sourceName, null,
                new { format, added, updated, rejected }));
            return (added, updated);
        }, ct);
        var types = items.GroupBy(i => i.Type, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return TypedResults.Ok(new TextImportResult(added, updated, rejected, itemErrors, types));
    }

    /// <summary>The body as UTF-8 text, or null past <paramref name="maxBytes"/> or when it is not UTF-8.</summary>
    public static async Task<string?> ReadTextAsync(Stream body, int maxBytes, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > maxBytes)
                return null;
            buffer.Write(chunk, 0, n);
        }
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
