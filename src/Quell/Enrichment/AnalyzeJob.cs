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
/// backoff; on the last attempt, and for every other failure, the report fails with the reason.
/// </summary>
public sealed class AnalyzeJob(Db db, AnalyzerCatalogue catalogue, AnalyzerSecrets secrets, IHttpClientFactory http, IOptions<EnrichmentOptions> options, TimeProvider time)
    : IJobHandler
{
    public const string JobKind = "enrichment.analyze";
    public const string HttpClientName = "quell-analyzers";

    public string Kind => JobKind;

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
            await FinishAsync(context, reportId, Failed($"the analyzer {report.Analyzer} is not implemented by this server"), ct);
            return;
        }
        var settings = EffectiveSettings.Of(definition, stored);

        var cached = await db.ReadAsync(c => AnalyzerStore.ReusableAsync(c, orgId, report.Analyzer, report.DataType, report.Data, settings.CacheTtl, Now), ct);
        if (cached is { Status: ReportStatus.Success } && cached.Id != reportId)
        {
            await FinishAsync(context, reportId, new AnalyzerStore.Finish(ReportStatus.Success, cached.Level, cached.TaxonomiesJson, cached.FullJson,
                cached.FullTruncated, cached.ArtifactsJson, null, cached.Id, cached.ExpiresAtMs), ct);
            return;
        }

        var wait = await db.WriteAsync((c, tx) => AnalyzerStore.TryReserveCallAsync(c, tx, db.IsPostgres, orgId, report.Analyzer, settings.RateLimit, Now), ct);
        if (wait is { } w)
            throw new JobRetryException($"rate limit of {report.Analyzer} ({settings.RateLimit}) reached; next call in {w.TotalSeconds:0.#} s", w, countsAsAttempt: false);

        AnalyzerStore.Finish finish;
        try
        {
            var result = await RunAnalyzerAsync(analyzer, settings, stored, orgId, report, ct);
            finish = Succeeded(result, settings);
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
        await FinishAsync(context, reportId, finish, ct);
    }

    async Task<AnalyzerResult> RunAnalyzerAsync(IAnalyzer analyzer, EffectiveSettings settings, AnalyzerSettings? stored, long orgId, AnalyzerReport report, CancellationToken ct)
    {
        var config = stored is null ? new Dictionary<string, string>(StringComparer.Ordinal) : ConfigJson.Read(stored.ConfigJson);
        var secretValues = stored is null ? [] : secrets.Unprotect(stored.SecretsProtected);
        foreach (var (k, v) in secretValues)
            config[k] = v;
        var baseUrl = settings.BaseUrl ?? "";
        var client = new AnalyzerHttp(http.CreateClient(HttpClientName), options.Value.MaxResponseBytes, secretValues.Values.ToArray(), time);
        var observable = (await db.ReadAsync(c => AnalyzerStore.FindObservableAsync(c, orgId, report.ObservableId, report.ObservableKind), ct)).FirstOrDefault();
        var run = new AnalyzerRun(orgId, report.DataType, report.Data, baseUrl, config, client)
        {
            Tlp = (Observables.Tlp)(observable?.Tlp ?? (int)settings.MaxTlp),
            Pap = (Observables.Tlp)(observable?.Pap ?? (int)settings.MaxPap),
            Message = $"{report.ObservableKind} {observable?.OwnerId}",
            Settings = settings,
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

    Task FinishAsync(JobContext context, long reportId, AnalyzerStore.Finish finish, CancellationToken ct) =>
        context.CommitAsync((c, tx) => AnalyzerStore.FinishAsync(c, tx, reportId, finish, Now), ct);
}
