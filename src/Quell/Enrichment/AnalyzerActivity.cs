using System.Data.Common;
using Dapper;

namespace Quell.Enrichment;

/// <summary>An analyzer's latest successful and failed report in an organisation, as the admin page shows it.</summary>
public sealed record AnalyzerActivity(DateTimeOffset? LastSuccess, DateTimeOffset? LastFailure, string? LastFailureReason)
{
    sealed class Row
    {
        public long At { get; set; }
        public string? Reason { get; set; }
    }

    /// <summary>
    /// Two index seeks per analyzer (ix_analyzer_reports_status, migration 26), newest report of each status; cheap
    /// enough for a page listing every analyzer, whatever the number of reports.
    /// </summary>
    public static async Task<Dictionary<string, AnalyzerActivity>> ReadAsync(DbConnection c, long orgId, IEnumerable<string> analyzers)
    {
        var result = new Dictionary<string, AnalyzerActivity>(StringComparer.Ordinal);
        foreach (var analyzer in analyzers)
        {
            var success = await LatestAsync(c, orgId, analyzer, ReportStatus.Success);
            var failure = await LatestAsync(c, orgId, analyzer, ReportStatus.Failure);
            result[analyzer] = new AnalyzerActivity(Time(success), Time(failure), failure?.Reason);
        }
        return result;
    }

    static Task<Row?> LatestAsync(DbConnection c, long orgId, string analyzer, string status) =>
        c.QueryFirstOrDefaultAsync<Row>("""
            SELECT COALESCE(finished_at, created_at) AS At, reason AS Reason FROM analyzer_reports
            WHERE org_id = @orgId AND analyzer = @analyzer AND status = @status ORDER BY id DESC LIMIT 1
            """, new { orgId, analyzer, status });

    static DateTimeOffset? Time(Row? r) => r is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.At);
}
