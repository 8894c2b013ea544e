using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Quell.Audit;
using Quell.Http;
using Quell.Identity;
using Quell.Intel.Feeds.Fetching;
using Quell.Intel.Feeds.Catalogue;
using Quell.Jobs;
using Quell.Storage;

namespace Quell.Intel.Feeds;

/// <summary><c>/api/v1/feeds</c>: register, change and remove feeds (FeedManage), read them and their health (IntelRead), pull now.</summary>
public static class FeedEndpoints
{
    /// <summary>Longest a <c>pull?wait=true</c> request waits before answering 202 with the job to follow.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(10);

    public static IEndpointRouteBuilder MapFeedEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/feeds").WithTags("Feeds");
        g.MapPost("", Create).RequirePermission(Permission.FeedManage)
            .WithSummary("Register a feed {name, format, url, schedule?, options?, warninglistPolicy?, tlp?, tags?, enabled?} (201, {id, ...})");
        g.MapGet("", List).RequirePermission(Permission.IntelRead).WithSummary("The organisation's feeds with their health");
        g.MapGet("/{id:long}", Get).RequirePermission(Permission.IntelRead)
            .WithSummary("One feed: settings (secret options masked) and health (status, last success, counts, last error, next run)");
        g.MapPatch("/{id:long}", Update).RequirePermission(Permission.FeedManage)
            .WithSummary("Change a feed's settings; an option set to null is removed");
        g.MapDelete("/{id:long}", Delete).RequirePermission(Permission.FeedManage)
            .WithSummary("Remove a feed and its links; indicators other sources hold stay");
        g.MapPost("/{id:long}/pull", Pull).RequirePermission(Permission.FeedManage)
            .WithSummary("Pull now: 202 {jobId}; with ?wait=true answers when the pull ended (200 with counts, 502 problem with the error)");
        g.MapGet("/{id:long}/pulls", Pulls).RequirePermission(Permission.IntelRead)
            .WithSummary("The feed's pulls, newest first: outcome, counts, error; keyset by ?before=id, ?limit=");
        g.MapFeedCatalogueEndpoints();
        return app;
    }

    static long Now(TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A local feed the server may not read is refused when it is registered, not only when it is pulled.</summary>
    static IResult? RefuseLocal(string? url, FeedFetchOptions options) =>
        url is not null && FileFetcher.Handles(url) && LocalFeedPaths.Refusal(FileFetcher.PathOf(url), options.LocalDirectories, options.ProtectedDirectories) is { } why
            ? Problems.Invalid("url", why)
            : null;

    static async Task<IResult> Create(HttpRequest request, Caller caller, Db db, AuditLog audit, FeedSecrets secrets, IOptions<FeedFetchOptions> fetch,
        TimeProvider time, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, JsonBody.DefaultMaxBytes, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var errors = new InputErrors();
        var input = FeedInput.Parse(doc!.RootElement, errors, create: true);
        if (input is null)
            return Problems.Invalid(errors);
        if (RefuseLocal(input.Url, fetch.Value) is { } refused)
            return refused;
        return await CreateAsync(input, caller, db, audit, secrets, time, ct);
    }

    /// <summary>Registers a parsed feed: 201 with the feed, or 409 when the name is taken. The API, the web UI and the catalogue end here.</summary>
    public static async Task<IResult> CreateAsync(FeedInput input, Caller caller, Db db, AuditLog audit, FeedSecrets secrets, TimeProvider time, CancellationToken ct)
    {
        var now = Now(time);
        var feed = new FeedRow
        {
            OrgId = caller.OrgId,
            Name = input.Name!,
            Format = input.Format!,
            Url = input.Url!,
            Schedule = input.Schedule,
            Enabled = input.Enabled ?? true,
            WarninglistPolicy = input.WarninglistPolicy ?? "flag",
            Tlp = input.Tlp,
            TagsJson = JsonSerializer.Serialize(input.Tags ?? []),
            Status = FeedStatus.Never,
            CreatedAt = now,
            UpdatedAt = now,
        };
        ApplyOptions(feed, input.Options, secrets);
        feed.NextRunAt = FeedScheduler.NextRunAt(feed.Schedule, feed.Enabled, time.GetUtcNow());
        return await db.WriteAsync<IResult>(async (c, tx) =>
        {
            if (await FeedStore.NameTakenAsync(c, tx, caller.OrgId, feed.Name))
                return Problems.Conflict($"name: a feed named '{feed.Name}' already exists in this organisation; choose another name or PATCH that feed");
            feed.Id = await FeedStore.InsertAsync(c, tx, feed);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "feed.create", "feed", Id(feed.Id), null, FeedView.Audit(feed)));
            return TypedResults.Created($"/api/v1/feeds/{feed.Id}", FeedView.Of(feed));
        }, ct);
    }

    static async Task<IResult> List(Caller caller, Db db, CancellationToken ct) =>
        TypedResults.Ok(new { items = (await db.ReadAsync(c => FeedStore.ListAsync(c, caller.OrgId), ct)).Select(FeedView.Of) });

    static async Task<IResult> Get(long id, Caller caller, Db db, CancellationToken ct) =>
        await db.ReadAsync(c => FeedStore.GetAsync(c, caller.OrgId, id), ct) is { } feed ? TypedResults.Ok(FeedView.Of(feed)) : Problems.NotFound("feed", id);

    static async Task<IResult> Update(long id, HttpRequest request, Caller caller, Db db, AuditLog audit, FeedSecrets secrets, IOptions<FeedFetchOptions> fetch,
        TimeProvider time, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, JsonBody.DefaultMaxBytes, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var errors = new InputErrors();
        var input = FeedInput.Parse(doc!.RootElement, errors, create: false);
        if (input is null)
            return Problems.Invalid(errors);
        if (RefuseLocal(input.Url, fetch.Value) is { } refused)
            return refused;
        return await UpdateAsync(id, input, caller, db, audit, secrets, time, ct);
    }

    /// <summary>Applies a parsed PATCH: 200 with the feed, 404, or 409 when the new name is taken.</summary>
    public static async Task<IResult> UpdateAsync(long id, FeedInput input, Caller caller, Db db, AuditLog audit, FeedSecrets secrets, TimeProvider time, CancellationToken ct)
    {
        return await db.WriteAsync<IResult>(async (c, tx) =>
        {
            var feed = await FeedStore.GetAsync(c, caller.OrgId, id, tx);
            if (feed is null)
                return Problems.NotFound("feed", id);
            var before = FeedView.Audit(feed);
            if (input.Name is not null && input.Name != feed.Name && await FeedStore.NameTakenAsync(c, tx, caller.OrgId, input.Name, id))
                return Problems.Conflict($"name: a feed named '{input.Name}' already exists in this organisation");
            if ((input.Url is not null && input.Url != feed.Url) || (input.Format is not null && input.Format != feed.Format))
            {
                // Validators belong to the old document; a new source is read whole on its first pull.
                feed.ETag = null;
                feed.LastModified = null;
            }
            feed.Name = input.Name ?? feed.Name;
            feed.Format = input.Format ?? feed.Format;
            feed.Url = input.Url ?? feed.Url;
            if (input.ScheduleSet)
                feed.Schedule = input.Schedule;
            feed.Enabled = input.Enabled ?? feed.Enabled;
            feed.WarninglistPolicy = input.WarninglistPolicy ?? feed.WarninglistPolicy;
            if (input.TlpSet)
                feed.Tlp = input.Tlp;
            if (input.Tags is not null)
                feed.TagsJson = JsonSerializer.Serialize(input.Tags);
            ApplyOptions(feed, input.Options, secrets);
            if (input.ScheduleSet || input.Enabled is not null)
                feed.NextRunAt = FeedScheduler.NextRunAt(feed.Schedule, feed.Enabled, time.GetUtcNow());
            feed.UpdatedAt = Now(time);
            await FeedStore.UpdateSettingsAsync(c, tx, feed);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "feed.update", "feed", Id(id), before, FeedView.Audit(feed)));
            return TypedResults.Ok(FeedView.Of(feed));
        }, ct);
    }

    /// <summary>Removes a feed and its links (indicators other sources or sightings hold stay): 204 or 404.</summary>
    public static async Task<IResult> Delete(long id, Caller caller, Db db, AuditLog audit, IIndicatorImport import, CancellationToken ct)
    {
        var feed = await db.ReadAsync(c => FeedStore.GetAsync(c, caller.OrgId, id), ct);
        if (feed is null)
            return Problems.NotFound("feed", id);
        // The feed's links go first, through the store's own rule for a source that lists nothing any more: indicators
        // that another source or a sighting holds stay. Should the request stop between the two steps, the feed
        // remains (with no links) and DELETE can be sent again.
        var unlinked = await import.ImportAsync(caller.OrgId, IndicatorSource.Feed(feed.Id, feed.Name), Empty(), new ImportOptions(FullSnapshot: true), ct);
        var deleted = await db.WriteAsync(async (c, tx) =>
        {
            if (await FeedStore.DeleteAsync(c, tx, caller.OrgId, id) == 0)
                return false;
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "feed.delete", "feed", Id(id), FeedView.Audit(feed),
                new { linksRemoved = unlinked.Removed }));
            return true;
        }, ct);
        return deleted ? TypedResults.NoContent() : Problems.NotFound("feed", id);
    }

    static async IAsyncEnumerable<FeedEntry> Empty()
    {
        await Task.CompletedTask;
        yield break;
    }

    static async Task<IResult> Pull(long id, HttpRequest request, Caller caller, Db db, AuditLog audit, JobQueue queue, TimeProvider time, CancellationToken ct)
    {
        var errors = new InputErrors();
        var q = new QueryParams(request.Query, errors);
        var waitText = q.String("wait", 8);
        if (waitText is not null && waitText is not ("true" or "false"))
            errors.Add("wait", "wait must be true or false");
        if (errors.Any)
            return Problems.Invalid(errors);
        if (await EnqueuePullAsync(id, caller, db, audit, queue, ct) is not { } jid)
            return Problems.NotFound("feed", id);
        if (waitText != "true")
            return TypedResults.Accepted($"/api/v1/feeds/{id}/pulls", new { feedId = id, jobId = jid, status = JobStatus.Pending });

        var deadline = time.GetUtcNow() + MaxWait;
        while (time.GetUtcNow() < deadline)
        {
            var pull = await db.ReadAsync(c => FeedStore.GetPullByJobAsync(c, caller.OrgId, jid), ct);
            if (pull is { EndedAt: not null, Outcome: not PullOutcome.Running })
            {
                if (pull.Outcome != PullOutcome.Failed || (await queue.GetAsync(jid, ct))?.Status == JobStatus.Done)
                    return pull.Outcome == PullOutcome.Failed ? PullFailed(id, pull.Error ?? "the pull failed", FeedView.Of(pull)) : TypedResults.Ok(FeedView.Of(pull));
            }
            var job = await queue.GetAsync(jid, ct);
            if (job?.Status == JobStatus.Dead)
                return PullFailed(id, $"the pull job failed on every attempt: {job.LastError}", null);
            if (job?.Status == JobStatus.Done && pull is null)
                return Problems.NotFound("feed", id); // deleted before the pull started
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }
        return TypedResults.Accepted($"/api/v1/feeds/{id}/pulls", new { feedId = id, jobId = jid, status = JobStatus.Running });
    }

    /// <summary>Asks for a pull now (a durable job, audited): the job's id, or null when the feed does not exist in the caller's organisation.</summary>
    public static Task<long?> EnqueuePullAsync(long id, Caller caller, Db db, AuditLog audit, JobQueue queue, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            if (await FeedStore.GetAsync(c, caller.OrgId, id, tx) is null)
                return (long?)null;
            var job = await queue.EnqueueAsync(c, tx, FeedPullJob.Request(caller.OrgId, id, "manual"));
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "feed.pull", "feed", Id(id), null, new { jobId = job }));
            return job;
        }, ct);

    /// <summary>A pull that ended in failure: 502 (the source, not the request, is at fault), the error as detail, the pull as an extension.</summary>
    static IResult PullFailed(long id, string error, object? pull) =>
        TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "Feed pull failed", detail: error,
            extensions: new Dictionary<string, object?> { ["feedId"] = id, ["pull"] = pull });

    static async Task<IResult> Pulls(long id, HttpRequest request, Caller caller, Db db, CancellationToken ct)
    {
        var errors = new InputErrors();
        var q = new QueryParams(request.Query, errors);
        var limit = q.Int("limit", 1, 500, 50);
        var before = q.Long("before", 1, long.MaxValue, long.MaxValue);
        if (errors.Any)
            return Problems.Invalid(errors);
        var items = await db.ReadAsync(async c =>
            await FeedStore.GetAsync(c, caller.OrgId, id) is null ? null : await FeedStore.ListPullsAsync(c, caller.OrgId, id, before, limit), ct);
        return items is null ? Problems.NotFound("feed", id) : TypedResults.Ok(new { items = items.Select(FeedView.Of) });
    }

    /// <summary>
    /// Options as a PATCH merges them: null removes one; secret ones (apiKey, token, ...) go encrypted into the secrets
    /// column and appear masked among the plain options, so the API shows that they are set but never what they are.
    /// </summary>
    static void ApplyOptions(FeedRow feed, IReadOnlyDictionary<string, string?>? changes, FeedSecrets secrets)
    {
        if (changes is null || changes.Count == 0)
            return;
        var plain = FeedSecrets.ReadPlain(feed.OptionsJson);
        var secret = secrets.Unprotect(feed.SecretsProtected);
        foreach (var (key, value) in changes)
        {
            plain.Remove(key);
            secret.Remove(key);
            if (value is null)
                continue;
            if (FeedSecrets.IsSecret(key))
            {
                secret[key] = value;
                plain[key] = FeedSecrets.Mask;
            }
            else
            {
                plain[key] = value;
            }
        }
        feed.OptionsJson = JsonSerializer.Serialize(plain);
        feed.SecretsProtected = secrets.Protect(secret);
    }

    static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
