using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Quell.Jobs;
using Quell.Storage;

namespace Quell.Enrichment;

/// <summary>
/// One analyzer run on one value, as a durable job that ends its pending report: from the cache when another run of the
/// same value finished meanwhile, else after taking a call of the rate limit (waiting for one does not count as an
/// attempt) and asking the service. Transient failures are retried after the service's Retry-After or the queue's
/// backoff; on the last attempt, and for every other failure, the report fails with the reason. A long-running analysis
/// (a sandbox) is one job that runs again every poll interval with the state stored on the report, so a restart loses
/// nothing.
/// </summary>
public sealed class AnalyzeJob(Db db, AnalyzerCatalogue catalogue, AnalyzerSecrets secrets, IHttpClientFactory http, IOptions<EnrichmentOptions> options, TimeProvider time,
    ArtifactObservables artifacts, IOptions<Files.FileOptions> files) : IJobHandler
{
    public const string JobKind = "enrichment.analyze";
    public const string HttpClientName = "quell-analyzers";
    public const string GuardedClientName = "quell-analyzers-guarded";

    public string Kind => JobKind;

    /// <summary>Runs mostly wait on services: their own pool, sized by <see cref="EnrichmentOptions.Concurrency"/>, not by cores.</summary>
    public int? Concurrency => options.Value.Concurrency;

    sealed record Payload(long ReportId);

    public static JobRequest Request(long orgId, long reportId, int maxAttempts) =>
        new(JobKind, JsonSerializer.Serialize(new Payload(reportId), AnalyzerReport.Json), orgId, maxAttempts, DedupeKey: $"{JobKind}:{reportId}");

    long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task RunAsync(JobContext context, CancellationToken ct)
    {
        var job = context.Job;
        var orgId = job.OrgId ?? 0;
        var reportId = JsonSerializer.Deserialize<Payload>(job.Payload, AnalyzerReport.Json)!.ReportId;
        var report = await db.ReadAsync(c => AnalyzerStore.GetAsync(c, orgId, reportId), ct);
        if (report is not { Status: ReportStatus.Pending })
            return;
        var definition = catalogue.Definition(report.Analyzer);
        var analyzer = catalogue.Analyzer(report.Analyzer);
        var stored = await db.ReadAsync(c => AnalyzerStore.SettingsAsync(c, orgId, report.Analyzer), ct);
        if (definition is null || analyzer is null)
        {
            await FinishAsync(context, report, null, Failed($"the analyzer {report.Analyzer} is not known to this server (a Cortex analyzer whose definition is gone)"), ct);
            return;
        }
        var settings = EffectiveSettings.Of(definition, stored);

        // A submitted analysis (a sandbox detonating) goes on where it is: no cache answer, and the rate limit was
        // taken by its submission (status checks are bounded by the poll interval instead).
        if (report.PollStateJson is null)
        {
            var cached = await db.ReadAsync(c => AnalyzerStore.ReusableAsync(c, orgId, report.Analyzer, report.DataType, report.Data, settings.CacheTtl, Now), ct);
            if (cached is { Status: ReportStatus.Success } && cached.Id != reportId)
            {
                await FinishAsync(context, report, stored, new AnalyzerStore.Finish(ReportStatus.Success, cached.Level, cached.TaxonomiesJson, cached.FullJson,
                    cached.FullTruncated, cached.ArtifactsJson, null, cached.Id, cached.ExpiresAtMs), ct);
                return;
            }

            // Without a rate limit there is nothing to reserve: no write transaction (SQLite has one writer for all runs).
            var wait = settings.RateLimit.Rules.Count == 0
                ? null
                : await db.WriteAsync((c, tx) => AnalyzerStore.TryReserveCallAsync(c, tx, db.IsPostgres, orgId, report.Analyzer, settings.RateLimit, Now), ct);
            if (wait is { } w)
                throw new JobRetryException($"rate limit of {report.Analyzer} ({settings.RateLimit}) reached; next call in {w.TotalSeconds:0.#} s", w, countsAsAttempt: false);
        }

        AnalyzerStore.Finish finish;
        try
        {
            var (config, secretValues) = Config(stored);
            var result = await RunAnalyzerAsync(analyzer, settings, config, secretValues, orgId, report, ct);
            finish = result.PollState is { } state
                ? await PollLaterAsync(context, report, definition, config, state, ct)
                : Succeeded(result, settings);
        }
        catch (AnalyzerTransientException e) when (job.Attempts < job.MaxAttempts)
        {
            throw new JobRetryException(e.Message, e.RetryAfter ?? JobQueue.Backoff(job.Attempts));
        }
        catch (AnalyzerTransientException e)
        {
            finish = Failed($"gave up after {job.Attempts} attempts: {e.Message}");
        }
        catch (AnalyzerFailedException e)
        {
            finish = Failed(e.Message);
        }
        await FinishAsync(context, report, stored, finish, ct);
    }

    (Dictionary<string, string> Config, IReadOnlyDictionary<string, string> Secrets) Config(AnalyzerSettings? stored)
    {
        var config = stored is null ? new Dictionary<string, string>(StringComparer.Ordinal) : ConfigJson.Read(stored.ConfigJson);
        IReadOnlyDictionary<string, string> secretValues = stored is null ? new Dictionary<string, string>() : secrets.Unprotect(stored.SecretsProtected);
        foreach (var (k, v) in secretValues)
            config[k] = v;
        return (config, secretValues);
    }

    /// <summary>
    /// The service is still working: keeps its state with the report and runs the job again after the poll interval,
    /// without counting an attempt. Past the analyzer's maxMinutes (from the submission) the report fails instead.
    /// </summary>
    async Task<AnalyzerStore.Finish> PollLaterAsync(JobContext context, AnalyzerReport report, AnalyzerDefinition definition, Dictionary<string, string> config,
        JsonElement state, CancellationToken ct)
    {
        var polling = (definition.Polling ?? throw new InvalidOperationException($"{definition.Name} returned 'later' but declares no polling")).With(config);
        var since = report.PollSinceMs ?? Now;
        var deadline = since + (long)polling.MaxDuration.TotalMilliseconds;
        var stateText = state.GetRawText();
        if (Now >= deadline)
            return Failed($"the analysis did not finish within {polling.MaxDuration.TotalMinutes:0.#} min (the analyzer's maxMinutes); " +
                $"{report.Polls + 1} status checks, last state {stateText}");
        var job = context.Job;
        if (!await db.WriteAsync((c, tx) => AnalyzerStore.SavePollAsync(c, tx, report.Id, stateText, since, job.Id, job.LeaseToken), ct))
            throw new LeaseLostException(job.Id);
        var wait = TimeSpan.FromMilliseconds(Math.Min(polling.Interval.TotalMilliseconds, deadline - Now));
        throw new JobRetryException($"{report.Analyzer} is still analyzing ({stateText}); next status check in {wait.TotalSeconds:0.#} s", wait, countsAsAttempt: false);
    }

    async Task<AnalyzerResult> RunAnalyzerAsync(IAnalyzer analyzer, EffectiveSettings settings, IReadOnlyDictionary<string, string> config,
        IReadOnlyDictionary<string, string> secretValues, long orgId, AnalyzerReport report, CancellationToken ct)
    {
        var baseUrl = settings.BaseUrl ?? "";
        var secretList = secretValues.Values.ToArray();
        var client = new AnalyzerHttp(http.CreateClient(HttpClientName), options.Value.MaxResponseBytes, secretList, time);
        var fetch = new AnalyzerHttp(http.CreateClient(GuardedClientName), options.Value.MaxResponseBytes, secretList, time);
        var observable = (await db.ReadAsync(c => AnalyzerStore.FindObservableAsync(c, orgId, report.ObservableId, report.ObservableKind), ct)).FirstOrDefault();
        var run = new AnalyzerRun(orgId, report.DataType, report.Data, baseUrl, config, client, fetch)
        {
            State = report.PollState,
            Tlp = (Observables.Tlp)(observable?.Tlp ?? (int)settings.MaxTlp),
            Pap = (Observables.Tlp)(observable?.Pap ?? (int)settings.MaxPap),
            Message = $"{report.ObservableKind} {observable?.OwnerId}",
            Settings = settings,
            File = await FileAsync(orgId, report, ct),
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.Timeout);
        try
        {
            return await analyzer.AnalyzeAsync(run, timeout.Token);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            var message = $"no answer within {settings.Timeout.TotalSeconds:0.#} s";
            throw analyzer.RetryOnTimeout ? new AnalyzerTransientException(message, null, e) : new AnalyzerFailedException(message + "; the run was stopped and is not retried", e);
        }
        catch (Exception e) when (e is not (AnalyzerTransientException or AnalyzerFailedException or OperationCanceledException))
        {
            // A service answer the analyzer could not read (a field of the wrong kind): a reason, not a dead job.
            throw new AnalyzerFailedException($"the answer could not be read: {e.GetType().Name}: {e.Message}", e);
        }
    }

    /// <summary>The kept content of a file observable "name|sha256", read from the database only when an analyzer sends it.</summary>
    async Task<FileSample?> FileAsync(long orgId, AnalyzerReport report, CancellationToken ct)
    {
        if (report.DataType != "file" || Files.FileValue.Parse(report.Data) is not { } value)
            return null;
        var stored = await db.ReadAsync(c => Files.FileStore.GetAsync(c, orgId, value.Sha256), ct);
        return stored is null ? null : new FileSample(value.Name, stored, files.Value.MaxBytes, t => db.ReadAsync(c => Files.FileStore.ReadAsync(c, orgId, value.Sha256), t));
    }

    AnalyzerStore.Finish Succeeded(AnalyzerResult r, EffectiveSettings settings)
    {
        string? full = r.Full is { } f ? f.GetRawText() : null;
        var truncated = full is not null && Encoding.UTF8.GetByteCount(full) > options.Value.MaxFullBytes;
        return new AnalyzerStore.Finish(ReportStatus.Success, Levels.Worst(r.Taxonomies.Select(t => t.Level)) ?? Levels.Info,
            JsonSerializer.Serialize(r.Taxonomies, AnalyzerReport.Json), truncated ? null : full, truncated,
            JsonSerializer.Serialize(r.Artifacts, AnalyzerReport.Json), null, null, Now + (long)settings.CacheTtl.TotalMilliseconds);
    }

    static AnalyzerStore.Finish Failed(string reason) =>
        new(ReportStatus.Failure, null, "[]", null, false, "[]", reason.Length <= 2000 ? reason : reason[..2000] + "…", null, null);

    /// <summary>Ends the report and, when the analyzer's <c>artifacts</c> is <c>add</c>, turns a success's artifacts into observables, in one transaction.</summary>
    Task FinishAsync(JobContext context, AnalyzerReport report, AnalyzerSettings? stored, AnalyzerStore.Finish finish, CancellationToken ct) =>
        context.CommitAsync(async (c, tx) =>
        {
            var now = Now;
            if (await AnalyzerStore.FinishAsync(c, tx, report.Id, finish, now) && finish.Status == ReportStatus.Success && stored?.Artifacts == ArtifactModes.Add)
                await artifacts.AddAsync(c, tx, report, context.Job.OrgId ?? 0,
                    JsonSerializer.Deserialize<List<Artifact>>(finish.Artifacts, AnalyzerReport.Json) ?? [], now);
        }, ct);
}
