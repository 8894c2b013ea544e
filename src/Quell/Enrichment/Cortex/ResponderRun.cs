using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;

namespace Quell.Enrichment.Cortex;

/// <summary>One run of a responder on a case, alert or observable, as stored and shown (status: pending, success, failure).</summary>
public sealed class ResponderRun
{
    public const string Columns = """
        id AS Id, responder AS Responder, object_type AS ObjectType, object_id AS ObjectId, input AS InputJson, tlp AS Tlp, pap AS Pap, status AS Status,
        full_json AS FullJson, operations AS OperationsJson, reason AS Reason, job_id AS JobId, requested_by AS RequestedBy, created_at AS CreatedAtMs, finished_at AS FinishedAtMs
        """;

    public long Id { get; set; }
    public string Responder { get; set; } = "";
    /// <summary>Cortex's name of what it acts on: thehive:case, thehive:alert or thehive:case_artifact.</summary>
    public string ObjectType { get; set; } = "";
    public long ObjectId { get; set; }
    /// <summary>The object sent as input.json's data, as it was when the run was asked for.</summary>
    [JsonIgnore] public string InputJson { get; set; } = "{}";
    [JsonIgnore] public int Tlp { get; set; }
    [JsonIgnore] public int Pap { get; set; }
    public string Status { get; set; } = ReportStatus.Pending;
    [JsonIgnore] public string? FullJson { get; set; }
    public JsonElement? Full => FullJson is null ? null : JsonDocument.Parse(FullJson).RootElement.Clone();
    [JsonIgnore] public string OperationsJson { get; set; } = "[]";
    /// <summary>
    /// The operations the responder returned (Cortex's AddTagToCase, CloseTask, …) as given, each with <c>status</c>
    /// (applied or failed), <c>message</c> (what was done or why not) and <c>target</c>.
    /// </summary>
    public JsonElement Operations => JsonDocument.Parse(OperationsJson).RootElement.Clone();
    public string? Reason { get; set; }
    public long? JobId { get; set; }
    public string RequestedBy { get; set; } = "";
    [JsonIgnore] public long CreatedAtMs { get; set; }
    [JsonIgnore] public long? FinishedAtMs { get; set; }
    public DateTimeOffset CreatedAt => DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs);
    public DateTimeOffset? FinishedAt => FinishedAtMs is { } f ? DateTimeOffset.FromUnixTimeMilliseconds(f) : null;
}

/// <summary>The SQL of responder runs.</summary>
public static class ResponderStore
{
    /// <summary>Settings of responders share analyzer_settings under this prefix, so a responder and an analyzer may have the same name.</summary>
    public static string SettingsName(string responder) => "responder:" + responder;

    public static Task<long> InsertAsync(DbConnection c, DbTransaction tx, long orgId, ResponderRun r) =>
        c.ExecuteScalarAsync<long>("""
            INSERT INTO responder_runs (org_id, responder, object_type, object_id, input, tlp, pap, status, operations, requested_by, created_at)
            VALUES (@orgId, @Responder, @ObjectType, @ObjectId, @InputJson, @Tlp, @Pap, 'pending', '[]', @RequestedBy, @CreatedAtMs)
            RETURNING id
            """, new { orgId, r.Responder, r.ObjectType, r.ObjectId, r.InputJson, r.Tlp, r.Pap, r.RequestedBy, r.CreatedAtMs }, tx);

    public static Task SetJobAsync(DbConnection c, DbTransaction tx, long id, long jobId) =>
        c.ExecuteAsync("UPDATE responder_runs SET job_id = @jobId WHERE id = @id", new { id, jobId }, tx);

    public static Task<ResponderRun?> GetAsync(DbConnection c, long orgId, long id, DbTransaction? tx = null) =>
        c.QuerySingleOrDefaultAsync<ResponderRun>($"SELECT {ResponderRun.Columns} FROM responder_runs WHERE org_id = @orgId AND id = @id", new { orgId, id }, tx);

    /// <summary>The latest runs on one object, newest first (ix_responder_runs_object).</summary>
    public static async Task<IReadOnlyList<ResponderRun>> ListForAsync(DbConnection c, long orgId, string objectType, long objectId, int limit = 50) =>
        (await c.QueryAsync<ResponderRun>($"""
            SELECT {ResponderRun.Columns} FROM responder_runs
            WHERE org_id = @orgId AND object_type = @objectType AND object_id = @objectId
            ORDER BY id DESC LIMIT @limit
            """, new { orgId, objectType, objectId, limit })).AsList();

    public static Task SetOperationsAsync(DbConnection c, DbTransaction tx, long id, string operations) =>
        c.ExecuteAsync("UPDATE responder_runs SET operations = @operations WHERE id = @id", new { id, operations }, tx);

    /// <summary>Ends a pending run; false when another attempt already ended it.</summary>
    public static async Task<bool> FinishAsync(DbConnection c, DbTransaction tx, long id, string status, string? full, string operations, string? reason, long now) =>
        await c.ExecuteAsync("""
            UPDATE responder_runs SET status = @status, full_json = @full, operations = @operations, reason = @reason, finished_at = @now
            WHERE id = @id AND status = 'pending'
            """, new { id, status, full, operations, reason, now }, tx) == 1;
}
