using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Quell.Audit;
using Quell.Identity;
using Quell.Intel.Feeds;
using Quell.Intel.Indicators;
using Quell.Intel.Stix;
using Quell.Storage;

namespace Quell.Intel.Taxii;

/// <summary>
/// Adds the objects of a posted envelope to a collection. Every object needs a type and an id of the form
/// <c>type--UUID</c>; indicators are read as a STIX bundle's are (<see cref="StixObjectReader"/>) and must give at
/// least one indicator the store accepts. Accepted objects are kept in the collection (each version once) and the
/// indicators they state are imported for the organisation through the store's import, with the collection as their
/// source. The status names each object that failed and why.
/// </summary>
public static partial class TaxiiAddObjects
{
    sealed record Posted(int Index, JsonElement Json, string Id, string Type, long Version);

    public static async Task<TaxiiStatus> RunAsync(JsonElement envelope, TaxiiCollection collection, Caller caller, Db db, IIndicatorImport import, AuditLog audit, DateTimeOffset now, CancellationToken ct)
    {
        var objects = envelope.GetProperty("objects");
        var dateAdded = now.ToUnixTimeMilliseconds();
        var successes = new List<TaxiiStatusDetail>();
        var failures = new List<TaxiiStatusDetail>();
        var posted = new List<Posted>();
        var index = 0;
        foreach (var o in objects.EnumerateArray())
        {
            var where = $"objects[{index.ToString(CultureInfo.InvariantCulture)}]";
            if (Check(o, dateAdded * 1000, out var id, out var type, out var version) is { } problem)
                failures.Add(new TaxiiStatusDetail(id ?? where, version is null ? TaxiiObjectQuery.Millis(dateAdded) : TaxiiObjectQuery.Micros(version.Value), problem));
            else
                posted.Add(new Posted(index, o, id!, type!, version!.Value));
            index++;
        }

        // Indicators: what the STIX reader makes of them, then what the store would refuse, per STIX id.
        var entries = StixObjectReader.Read([.. posted.Select(p => p.Json)]).ToList();
        var readErrors = new Dictionary<string, string>(StringComparer.Ordinal);
        var values = new Dictionary<string, (int Accepted, List<string> Refused)>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (entry.Error is { } error)
            {
                readErrors.TryAdd(error.Where, error.Message);
                continue;
            }
            var record = entry.Indicator!;
            var (accepted, refused) = values.GetValueOrDefault(record.SourceRef!, (0, []));
            if (PendingIndicator.From(record, null, null, out var reason) is null)
                refused.Add($"{IndicatorNormalizer.Printable(record.Type)} '{Short(record.Value)}': {reason}");
            else
                accepted++;
            values[record.SourceRef!] = (accepted, refused);
        }

        var keep = new List<Posted>();
        foreach (var p in posted)
        {
            var version = TaxiiObjectQuery.Micros(p.Version);
            if (p.Type != "indicator")
            {
                keep.Add(p);
                successes.Add(new TaxiiStatusDetail(p.Id, version));
            }
            else if (readErrors.TryGetValue(p.Id, out var error))
                failures.Add(new TaxiiStatusDetail(p.Id, version, error));
            else if (values.TryGetValue(p.Id, out var v) && v.Accepted > 0)
            {
                keep.Add(p);
                successes.Add(new TaxiiStatusDetail(p.Id, version, v.Refused.Count == 0 ? null
                    : $"{v.Accepted} of {v.Accepted + v.Refused.Count} values imported; refused: {string.Join("; ", v.Refused)}"));
            }
            else
                failures.Add(new TaxiiStatusDetail(p.Id, version, v.Refused is { Count: > 0 }
                    ? "no value of the pattern is a valid indicator: " + string.Join("; ", v.Refused)
                    : "the indicator states no value"));
        }

        var kept = keep.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var result = await import.ImportAsync(caller.OrgId, new IndicatorSource("taxii", "TAXII " + collection.Title),
            Entries(entries.Where(e => e.Indicator is { } i && kept.Contains(i.SourceRef!))), new ImportOptions(), ct);
        var status = new TaxiiStatus(Guid.NewGuid().ToString(), dateAdded, successes, failures);
        await db.WriteAsync(async (c, tx) =>
        {
            foreach (var p in keep)
                await StoredObjects.AddAsync(c, tx, collection.Id, p.Id, p.Type, p.Version, dateAdded, p.Json.GetRawText());
            await status.InsertAsync(c, tx, caller.OrgId, collection.Id);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "taxii.objects.add", "taxii-collection", collection.Uuid, null,
                new { status = status.Id, total = successes.Count + failures.Count, success = successes.Count, failure = failures.Count, result.Added, result.Updated, result.Rejected }));
        }, ct);
        return status;
    }

    /// <summary>Why an object cannot be added, or null; with its id, type and version (Unix µs) when it has them.</summary>
    static string? Check(JsonElement o, long addedMicros, out string? id, out string? type, out long? version)
    {
        (id, type, version) = (null, null, null);
        if (o.ValueKind != JsonValueKind.Object)
            return "a STIX object is a JSON object";
        type = Str(o, "type");
        id = Str(o, "id");
        if (type is null || !TypeName().IsMatch(type))
            return "the object has no type (lower-case letters, digits and '-', 3 to 250 characters)";
        if (id is null || !id.StartsWith(type + "--", StringComparison.Ordinal) || !Guid.TryParseExact(id[(type.Length + 2)..], "D", out _))
        {
            id = id is null ? null : IndicatorNormalizer.Printable(Short(id));
            return $"the object's id must be '{type}--' followed by a UUID";
        }
        // TAXII 2.1 §3.2: an object's version is its modified time, else its created time, else when the server added it.
        foreach (var name in new[] { "modified", "created" })
        {
            if (Str(o, name) is not { } text)
                continue;
            version = TaxiiObjectQuery.ParseTimestamp(text);
            return version is null ? $"'{name}' is not a timestamp" : null;
        }
        version = addedMicros;
        return null;
    }

    static async IAsyncEnumerable<FeedEntry> Entries(IEnumerable<FeedEntry> entries, [EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (var e in entries)
        {
            ct.ThrowIfCancellationRequested();
            yield return e;
        }
        await Task.CompletedTask;
    }

    static string Short(string s) => s.Length <= 100 ? s : s[..100] + "…";

    static string? Str(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    [GeneratedRegex("^[a-z0-9-]{3,250}$")]
    private static partial Regex TypeName();
}
