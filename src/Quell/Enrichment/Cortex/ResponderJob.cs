using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Quell.Jobs;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Enrichment.Cortex;

/// <summary>
/// Runs one responder run as a durable job: the stored object goes to input.json as <c>data</c>, the responder runs
/// through the job directory protocol, and its output (full report and operations, or the failure) ends the run. A run
/// that fails is not retried (a responder acts on the outside world; running it twice may act twice); a server stopped
/// mid-run runs it again when the job's lease expires (at most 3 attempts), so a responder may see a run twice then.
/// The operations of a successful run are applied (<see cref="ResponderOperations"/>) in the transaction that ends the
/// run and its job, so they are applied once even when the program ran twice.
/// </summary>
public sealed class ResponderJob(Db db, CortexCatalogue cortex, AnalyzerSecrets secrets, ResponderOperations applier, IOptions<CortexOptions> options,
    IOptions<EnrichmentOptions> enrichment, TimeProvider time) : IJobHandler
{
    public const string JobKind = "enrichment.respond";

    public string Kind => JobKind;

    sealed record Payload(long RunId);

    public static JobRequest Request(long orgId, long runId) =>
        new(JobKind, JsonSerializer.Serialize(new Payload(runId)), orgId, MaxAttempts: 3, DedupeKey: $"{JobKind}:{runId}");

    public async Task RunAsync(JobContext context, CancellationToken ct)
    {
        var orgId = context.Job.OrgId ?? 0;
        var runId = JsonSerializer.Deserialize<Payload>(context.Job.Payload)!.RunId;
        var run = await db.ReadAsync(c => ResponderStore.GetAsync(c, orgId, runId), ct);
        if (run is not { Status: ReportStatus.Pending })
            return;
        string status = ReportStatus.Failure;
        JsonArray operations = [];
        string? full = null, reason;
        if (!cortex.Responders.TryGetValue(run.Responder, out var flavor))
            reason = $"the responder {run.Responder} is no longer loaded by this server";
        else
        {
            var stored = await db.ReadAsync(c => AnalyzerStore.SettingsAsync(c, orgId, ResponderStore.SettingsName(run.Responder)), ct);
            var definition = ResponderEndpoints.Definition(flavor);
            var settings = EffectiveSettings.Of(definition, stored);
            var config = stored is null ? new Dictionary<string, string>(StringComparer.Ordinal) : ConfigJson.Read(stored.ConfigJson);
            try
            {
                foreach (var (k, v) in secrets.Unprotect(stored?.SecretsProtected))
                    config[k] = v;
                var input = CortexAnalyzer.Input(flavor, run.ObjectType, JsonNode.Parse(run.InputJson)!, (Tlp)run.Tlp, (Tlp)run.Pap,
                    $"{run.ObjectType} {run.ObjectId}", config, settings.MaxTlp, settings.MaxPap);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(settings.Timeout);
                CortexRunEnd end;
                try
                {
                    end = await CortexProcess.RunAsync(flavor, input, config.GetValueOrDefault("cacerts"), options.Value, enrichment.Value.MaxResponseBytes, timeout.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new AnalyzerFailedException($"no answer within {settings.Timeout.TotalSeconds:0.#} s; the run was stopped");
                }
                var report = CortexOutput.Read(run.Responder, end);
                (status, reason) = (ReportStatus.Success, null);
                full = report.Result.Full is { } f ? CortexAnalyzer.Scrub(f.GetRawText(), flavor, config) : null;
                operations = report.Operations;
            }
            catch (Exception e) when (e is AnalyzerFailedException or IOException or UnauthorizedAccessException)
            {
                reason = CortexAnalyzer.Scrub(e.Message, flavor, config);
            }
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await context.CommitAsync(async (c, tx) =>
        {
            // Ending the run first makes a second ending (another attempt that got this far) a no-op that applies nothing.
            if (!await ResponderStore.FinishAsync(c, tx, runId, status, full, "[]", reason is { Length: > 2000 } ? reason[..2000] + "…" : reason, now))
                return;
            if (operations.Count > 0)
                await ResponderStore.SetOperationsAsync(c, tx, runId, (await applier.ApplyAsync(c, tx, orgId, run, operations, now)).ToJsonString());
        }, ct);
    }
}
