using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;

namespace Quell.Intel.Taxii;

/// <summary>What became of one posted object: its id and version, and why it failed or what was left out.</summary>
public sealed record TaxiiStatusDetail(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("message"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null);

/// <summary>
/// The status resource of one POST (TAXII 2.1 §4.3.1). Quell adds objects while the request runs, so a status is
/// complete when it is answered; it is kept so that <c>GET …/status/{id}/</c> can read it again.
/// </summary>
public sealed record TaxiiStatus(string Id, long RequestTimestamp, IReadOnlyList<TaxiiStatusDetail> Successes, IReadOnlyList<TaxiiStatusDetail> Failures)
{
    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("id", Id);
        w.WriteString("status", "complete");
        w.WriteString("request_timestamp", TaxiiObjectQuery.Millis(RequestTimestamp));
        w.WriteNumber("total_count", Successes.Count + Failures.Count);
        w.WriteNumber("success_count", Successes.Count);
        w.WritePropertyName("successes");
        JsonSerializer.Serialize(w, Successes);
        w.WriteNumber("failure_count", Failures.Count);
        w.WritePropertyName("failures");
        JsonSerializer.Serialize(w, Failures);
        w.WriteNumber("pending_count", 0);
        w.WriteStartArray("pendings");
        w.WriteEndArray();
        w.WriteEndObject();
    }

    sealed record Details(IReadOnlyList<TaxiiStatusDetail> Successes, IReadOnlyList<TaxiiStatusDetail> Failures);

    public Task InsertAsync(DbConnection c, DbTransaction tx, long orgId, long collectionId) =>
        c.ExecuteAsync("""
            INSERT INTO taxii_status (org_id, uuid, collection_id, status, request_timestamp, total_count, success_count, failure_count, pending_count, details)
            VALUES (@orgId, @Id, @collectionId, 'complete', @RequestTimestamp, @total, @success, @failure, 0, @details)
            """, new
        {
            orgId,
            Id,
            collectionId,
            RequestTimestamp,
            total = Successes.Count + Failures.Count,
            success = Successes.Count,
            failure = Failures.Count,
            details = JsonSerializer.Serialize(new Details(Successes, Failures)),
        }, tx);

    public static async Task<TaxiiStatus?> FindAsync(DbConnection c, long orgId, string id)
    {
        var row = await c.QuerySingleOrDefaultAsync<(long RequestTimestamp, string Details)>(
            "SELECT request_timestamp, details FROM taxii_status WHERE org_id = @orgId AND uuid = @id", new { orgId, id });
        if (row.Details is null)
            return null;
        var details = JsonSerializer.Deserialize<Details>(row.Details)!;
        return new TaxiiStatus(id, row.RequestTimestamp, details.Successes, details.Failures);
    }
}
