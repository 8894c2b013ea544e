using System.Data.Common;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Audit;
using Quell.Http;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Intel.Feeds.Catalogue;

/// <summary>A catalogue entry as the API shows it, with the organisation's feed made from it (when there is one).</summary>
public sealed record CatalogueItem(
    string Id, string Name, string Provider, string Url, string Format, IReadOnlyDictionary<string, string> Options, IReadOnlyList<string> Tags,
    string? Terms, string TermsUrl, bool DefaultEnabled, bool EnabledInMisp, bool Added, long? FeedId);

/// <summary>
/// <c>GET /api/v1/feeds/catalogue</c> (IntelRead): the well-known public feeds, each saying whether this organisation
/// has it already; <c>POST /api/v1/feeds/catalogue/{entryId}</c> (FeedManage): one click makes the entry a feed.
/// </summary>
public static class FeedCatalogueEndpoints
{
    /// <summary>A catalogue feed is pulled once a day unless the request says otherwise: public feeds change daily and ask for restraint.</summary>
    public const string DefaultSchedule = "@daily";

    public static RouteGroupBuilder MapFeedCatalogueEndpoints(this RouteGroupBuilder feeds)
    {
        feeds.MapGet("/catalogue", List).RequirePermission(Permission.IntelRead)
            .WithSummary("The catalogue of well-known public feeds: name, provider, url, format, terms of use, and whether this organisation has it (added, feedId)");
        feeds.MapPost("/catalogue/{entryId}", Enable).RequirePermission(Permission.FeedManage)
            .WithSummary("Make a catalogue entry a feed of this organisation; optional body {url?, schedule?, enabled?} (201 with the feed; 409 when it has it)");
        return feeds;
    }

    static async Task<IResult> List(Caller caller, Db db, CancellationToken ct) =>
        TypedResults.Ok(new { items = await db.ReadAsync(c => ListAsync(c, caller.OrgId), ct) });

    /// <summary>Every catalogue entry with the organisation's feed of the same name or URL, if any (one query for all).</summary>
    public static async Task<IReadOnlyList<CatalogueItem>> ListAsync(DbConnection c, long orgId)
    {
        var feeds = await FeedStore.ListAsync(c, orgId);
        return FeedCatalogue.Default.Entries.Select(e => Item(e, Existing(feeds, e))).ToList();
    }

    /// <summary>The organisation's feed made from <paramref name="entry"/>: same name, or same URL under another name.</summary>
    static FeedRow? Existing(IReadOnlyList<FeedRow> feeds, FeedCatalogueEntry entry) =>
        feeds.FirstOrDefault(f => f.Name == entry.Name) ?? feeds.FirstOrDefault(f => string.Equals(f.Url, entry.Url, StringComparison.OrdinalIgnoreCase));

    static CatalogueItem Item(FeedCatalogueEntry e, FeedRow? feed) =>
        new(e.Id, e.Name, e.Provider, e.Url, e.Format, e.Options, e.Tags, e.Terms, e.TermsUrl, e.DefaultEnabled, e.EnabledInMisp, feed is not null, feed?.Id);

    static async Task<IResult> Enable(string entryId, HttpRequest request, Caller caller, Db db, AuditLog audit, FeedSecrets secrets, TimeProvider time, CancellationToken ct)
    {
        // One click sends no body at all; a client may send {url, schedule, enabled}.
        JsonElement body;
        if (request.ContentLength is null or 0 && request.Headers.TransferEncoding.Count == 0)
            body = JsonDocument.Parse("{}").RootElement;
        else
        {
            var (doc, error) = await JsonBody.ReadAsync(request, JsonBody.DefaultMaxBytes, ct);
            if (error is not null)
                return error;
            using var _ = doc;
            body = doc!.RootElement.Clone();
        }
        var errors = new InputErrors();
        var f = JsonFields.ForObject(body, errors);
        if (f is null)
            return Problems.Invalid(errors);
        var schedule = DefaultSchedule;
        if (body.TryGetProperty("schedule", out var given))
            schedule = given.ValueKind == JsonValueKind.Null ? null : f.String("schedule", maxLength: 256);
        var choice = new CatalogueChoice(f.String("url", maxLength: FeedInput.MaxUrl), schedule, f.Bool("enabled") ?? true);
        if (errors.Any)
            return Problems.Invalid(errors);
        return await EnableAsync(entryId, choice, caller, db, audit, secrets, time, ct);
    }

    /// <summary>
    /// Creates the feed of a catalogue entry: its name, format, options and tags, the entry's URL or
    /// <see cref="CatalogueChoice.Url"/> (a mirror, <c>file://</c> or a local path for offline use). 201 with the feed,
    /// 404 for an unknown entry, 409 when the organisation has it already, 400 naming a bad url or schedule.
    /// </summary>
    public static async Task<IResult> EnableAsync(string entryId, CatalogueChoice choice, Caller caller, Db db, AuditLog audit, FeedSecrets secrets,
        TimeProvider time, CancellationToken ct)
    {
        if (FeedCatalogue.Default.Find(entryId) is not { } entry)
            return Problems.NotFound("catalogue entry", IndicatorNormalizer.Printable(entryId));
        if (await db.ReadAsync(c => FeedStore.ListAsync(c, caller.OrgId), ct) is var feeds && Existing(feeds, entry) is { } existing)
            return Problems.Conflict($"this organisation already has '{entry.Name}' as feed {existing.Id} ('{existing.Name}'); pull or change that feed");
        var errors = new InputErrors();
        var input = FeedInput.Parse(JsonSerializer.SerializeToElement(new Dictionary<string, object?>
        {
            ["name"] = entry.Name,
            ["format"] = entry.Format,
            ["url"] = choice.Url ?? entry.Url,
            ["schedule"] = choice.Schedule,
            ["options"] = entry.Options,
            ["tags"] = entry.Tags,
            ["enabled"] = choice.Enabled,
        }), errors, create: true);
        return input is null ? Problems.Invalid(errors) : await FeedEndpoints.CreateAsync(input, caller, db, audit, secrets, time, ct);
    }
}

/// <summary>What an admin may change when enabling a catalogue entry: a mirror URL, the schedule (null: pulled on demand), enabled.</summary>
public sealed record CatalogueChoice(string? Url, string? Schedule, bool Enabled = true);
