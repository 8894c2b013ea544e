using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Quell.Alerts;
using Quell.Audit;
using Quell.Cases;
using Quell.Http;
using Quell.Identity;
using Quell.Jobs;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Enrichment.Cortex;

/// <summary>
/// <c>/api/v1/responders</c>: the Cortex responders loaded at start, their settings (admin), and runs on a case, an alert, a
/// task or an observable (Cortex's thehive:case, thehive:alert, thehive:case_task, thehive:case_artifact), each a durable
/// job whose result is recorded and whose operations are applied.
/// </summary>
public static class ResponderEndpoints
{
    static readonly Dictionary<string, string> ObjectTypes = new(StringComparer.Ordinal)
    {
        ["case"] = "thehive:case",
        ["thehive:case"] = "thehive:case",
        ["alert"] = "thehive:alert",
        ["thehive:alert"] = "thehive:alert",
        ["task"] = "thehive:case_task",
        ["thehive:case_task"] = "thehive:case_task",
        ["observable"] = "thehive:case_artifact",
        ["thehive:case_artifact"] = "thehive:case_artifact",
    };

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    const string ObjectTypeRule = "objectType must be case, alert, task or observable (or Cortex's thehive:case, thehive:alert, thehive:case_task, thehive:case_artifact)";
    const string ObjectIdRule = "objectId is required: the id (a positive number) of the case, alert, task or observable";

    public static IEndpointRouteBuilder MapResponderEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/responders").WithTags("Enrichment");
        g.MapGet("", List).RequirePermission(Permission.Analyze).WithSummary("Every Cortex responder with its data types and settings (secret items masked)");
        g.MapPut("/{name}", Put).RequirePermission(Permission.AnalyzerManage)
            .WithSummary("Configure a responder {enabled, config: {...}, timeout?, maxTlp?, maxPap?}; a secret sent as ******** keeps its value");
        g.MapPost("/{name}/run", Run).RequirePermission(Permission.Analyze)
            .WithSummary("Run a responder on {objectType: case|alert|task|observable, objectId}: 202 with the pending run; ?wait=true answers when it has ended");
        g.MapGet("/runs", ListRuns).RequirePermission(Permission.AlertRead)
            .WithSummary("The latest 50 responder runs on one object: ?objectType=case|alert|task|observable&objectId=N, newest first");
        g.MapGet("/runs/{id:long}", GetRun).RequirePermission(Permission.AlertRead).WithSummary("One responder run: status, full report, operations (each applied or failed, with its message), reason");
        return app;
    }

    /// <summary>A responder as the settings code sees it: its items and limits; no service URL, rate limit or cache.</summary>
    public static AnalyzerDefinition Definition(CortexFlavor f) => new(f.QuellName, $"Cortex responder {f.Name} {f.Version}: {f.Description}", f.DataTypes,
        CortexAnalyzer.Items(f), null, f.MaxTlp, f.MaxPap, RateLimit.None, TimeSpan.Zero, CortexAnalyzer.DefaultTimeout);

    static IResult Unknown(string name, CortexCatalogue cortex) => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
        detail: $"there is no responder '{(name.Length <= 64 ? name : name[..64] + "…")}'; responders are {(cortex.Responders.Count == 0 ? "none (start with --cortex-analyzers)" : string.Join(", ", cortex.Responders.Keys.Order(StringComparer.Ordinal)))}");

    static async Task<IResult> List(Caller caller, Db db, CortexCatalogue cortex, CancellationToken ct)
    {
        var settings = await db.ReadAsync(c => AnalyzerStore.SettingsAsync(c, caller.OrgId), ct);
        return TypedResults.Ok(new
        {
            items = cortex.Responders.Values.OrderBy(f => f.Name, StringComparer.Ordinal)
                .Select(f => AnalyzerView.Of(Definition(f), settings.GetValueOrDefault(ResponderStore.SettingsName(f.QuellName)))),
        });
    }

    static Task<IResult> Put(string name, HttpRequest request, Caller caller, Db db, AuditLog audit, CortexCatalogue cortex, AnalyzerSecrets secrets, TimeProvider time,
        CancellationToken ct) =>
        cortex.Responders.TryGetValue(name, out var f)
            ? AnalyzerEndpoints.ConfigureAsync(Definition(f), ResponderStore.SettingsName(name), request, caller, db, audit, secrets, time, ct)
            : Task.FromResult(Unknown(name, cortex));

    static async Task<IResult> ListRuns(HttpRequest request, Caller caller, Db db, CancellationToken ct)
    {
        var errors = new InputErrors();
        var q = new QueryParams(request.Query, errors);
        var typeText = q.String("objectType", maxLength: 40);
        var objectId = q.Long("objectId", 1, long.MaxValue, 0);
        string? objectType = null;
        if (typeText is null || !ObjectTypes.TryGetValue(typeText, out objectType))
            errors.Add("objectType", ObjectTypeRule);
        if (string.IsNullOrEmpty(request.Query["objectId"]))
            errors.Add("objectId", ObjectIdRule);
        if (errors.Any || objectType is null)
            return Problems.Invalid(errors);
        return TypedResults.Ok(new { items = await db.ReadAsync(c => ResponderStore.ListForAsync(c, caller.OrgId, objectType, objectId), ct) });
    }

    static async Task<IResult> GetRun(long id, Caller caller, Db db, CancellationToken ct) =>
        await db.ReadAsync(c => ResponderStore.GetAsync(c, caller.OrgId, id), ct) is { } run ? TypedResults.Ok(run) : Problems.NotFound("responder run", id);

    static async Task<IResult> Run(string name, HttpRequest request, Caller caller, Db db, AuditLog audit, JobQueue queue, CortexCatalogue cortex,
        IOptions<EnrichmentOptions> options, TimeProvider time, CancellationToken ct)
    {
        if (!cortex.Responders.TryGetValue(name, out var flavor))
            return Unknown(name, cortex);
        var errors = new InputErrors();
        var wait = new QueryParams(request.Query, errors).Bool("wait") ?? false;
        var (doc, error) = await JsonBody.ReadAsync(request, 16 * 1024, ct);
        if (error is not null)
            return error;
        using var body = doc;
        var f = JsonFields.ForObject(doc!.RootElement, errors);
        var typeText = f?.String("objectType", maxLength: 40);
        long? objectId = f is not null && f.TryGet("objectId", out var idElement) && idElement.ValueKind == JsonValueKind.Number && idElement.TryGetInt64(out var idValue) && idValue > 0
            ? idValue : null;
        var of = f?.String("of", maxLength: 8);
        string? objectType = null;
        if (typeText is null || !ObjectTypes.TryGetValue(typeText, out objectType))
            errors.Add("objectType", ObjectTypeRule);
        else if (!flavor.DataTypes.Contains(objectType, StringComparer.Ordinal))
            errors.Add("objectType", $"{name} acts on {string.Join(", ", flavor.DataTypes)}, not {objectType}");
        if (objectId is null)
            errors.Add("objectId", ObjectIdRule);
        if (of is not null && of is not ("alert" or "case"))
            errors.Add("of", "of must be alert or case (which table an observable id is of)");
        if (errors.Any || objectType is null || objectId is not { } targetId)
            return Problems.Invalid(errors);

        var outcome = await StartAsync(db, audit, queue, flavor, caller, objectType, targetId, of, time, ct);
        if (outcome is not Microsoft.AspNetCore.Http.HttpResults.Ok<long> { Value: var runId })
            return outcome;

        var stored = await db.ReadAsync(c => ResponderStore.GetAsync(c, caller.OrgId, runId), ct);
        var deadline = time.GetUtcNow() + options.Value.MaxWait;
        while (wait && stored!.Status == ReportStatus.Pending && time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), time, ct);
            stored = await db.ReadAsync(c => ResponderStore.GetAsync(c, caller.OrgId, runId), ct);
        }
        return stored!.Status == ReportStatus.Pending ? TypedResults.Accepted($"/api/v1/responders/runs/{runId}", stored) : TypedResults.Ok(stored);
    }

    /// <summary>
    /// Queues a run of <paramref name="flavor"/> on the object (a Cortex data type it acts on; the caller checked that):
    /// <c>Ok&lt;long&gt;</c> with the run's id, or the problem (404 no such object, 409 not enabled or TLP/PAP above its
    /// limits), nothing stored. The API and the case page both start runs here.
    /// </summary>
    public static async Task<IResult> StartAsync(Db db, AuditLog audit, JobQueue queue, CortexFlavor flavor, Caller caller, string objectType, long targetId, string? of,
        TimeProvider time, CancellationToken ct)
    {
        var name = flavor.QuellName;
        var (data, tlp, pap, problem) = await db.ReadAsync(c => ObjectAsync(c, caller.OrgId, objectType, targetId, of), ct);
        if (problem is not null)
            return problem;
        return await db.WriteAsync<IResult>(async (c, tx) =>
        {
            var settings = EffectiveSettings.Of(Definition(flavor), await AnalyzerStore.SettingsAsync(c, caller.OrgId, ResponderStore.SettingsName(name), tx));
            if (!settings.Enabled)
                return Problems.Conflict($"{name} is not enabled; enable it with PUT /api/v1/responders/{name}");
            if (settings.Refusal(tlp, pap) is { } refusal)
                return Problems.Conflict(refusal);
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var run = new ResponderRun
            {
                Responder = name,
                ObjectType = objectType,
                ObjectId = targetId,
                InputJson = data!.ToJsonString(),
                Tlp = (int)tlp,
                Pap = (int)pap,
                RequestedBy = caller.Actor,
                CreatedAtMs = now,
            };
            var id = await ResponderStore.InsertAsync(c, tx, caller.OrgId, run);
            if (await queue.EnqueueAsync(c, tx, ResponderJob.Request(caller.OrgId, id)) is { } jobId)
                await ResponderStore.SetJobAsync(c, tx, id, jobId);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "responder.run", "responder", name, null,
                new { run = id, objectType, objectId = targetId }));
            return TypedResults.Ok(id);
        }, ct);
    }

    /// <summary>The object as the responder gets it (TheHive-like: <c>_type</c>, <c>_id</c> and the fields Quell shows), with its TLP and PAP.</summary>
    static async Task<(JsonObject? Data, Tlp Tlp, Tlp Pap, IResult? Problem)> ObjectAsync(System.Data.Common.DbConnection c, long orgId, string objectType, long id, string? of)
    {
        JsonObject data;
        int tlp, pap;
        switch (objectType)
        {
            case "thehive:alert":
                if (await AlertStore.GetRowAsync(c, orgId, id) is not { } alert || await AlertStore.GetViewAsync(c, orgId, id) is not { } view)
                    return (null, default, default, Problems.NotFound("alert", id));
                (data, tlp, pap) = (JsonSerializer.SerializeToNode(view, Json)!.AsObject(), alert.Tlp, alert.Pap);
                data["_type"] = "alert";
                break;
            case "thehive:case":
                if (await CaseStore.GetRowAsync(c, orgId, id) is not { } row)
                    return (null, default, default, Problems.NotFound("case", id));
                (data, tlp, pap) = (JsonSerializer.SerializeToNode(await CaseStore.ToFullViewAsync(c, row), Json)!.AsObject(), row.Tlp, row.Pap);
                data["_type"] = "case";
                break;
            case "thehive:case_task":
                // A task has the TLP and PAP of its case.
                if (await CaseStore.GetTaskAsync(c, orgId, id) is not { } task || await CaseStore.GetRowAsync(c, orgId, task.CaseId) is not { } owner)
                    return (null, default, default, Problems.NotFound("task", id));
                (data, tlp, pap) = (JsonSerializer.SerializeToNode(task, Json)!.AsObject(), owner.Tlp, owner.Pap);
                data["_type"] = "case_task";
                break;
            default:
                var found = await AnalyzerStore.FindObservableAsync(c, orgId, id, of);
                if (found.Count == 0)
                    return (null, default, default, Problems.NotFound("observable", id));
                if (found.Count > 1)
                    return (null, default, default, Problems.Conflict($"observable {id} names an alert's observable and a case's; add \"of\": \"alert\" or \"case\""));
                var o = found[0];
                data = new JsonObject
                {
                    ["id"] = o.Id,
                    ["dataType"] = o.DataType,
                    ["data"] = o.Data,
                    [o.Kind == "alert" ? "alertId" : "caseId"] = o.OwnerId,
                    ["tlp"] = CortexConfig.Number((Tlp)o.Tlp),
                    ["pap"] = CortexConfig.Number((Tlp)o.Pap)
                };
                (tlp, pap) = (o.Tlp, o.Pap);
                data["_type"] = "case_artifact";
                break;
        }
        data["_id"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return (data, (Tlp)tlp, (Tlp)pap, null);
    }
}
