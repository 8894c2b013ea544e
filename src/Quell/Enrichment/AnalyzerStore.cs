using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;

namespace Quell.Enrichment;

/// <summary>The SQL of enrichment: analyzer settings, the calls counted by rate limits, and reports.</summary>
public static class AnalyzerStore
{
    /// <summary>The key reports of one value are found by: SHA-256 of type and value (values can be longer than an index entry).</summary>
    public static string DataKey(string dataType, string data) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataType + "\n" + data)));

    public static async Task<Dictionary<string, AnalyzerSettings>> SettingsAsync(DbConnection c, long orgId, DbTransaction? tx = null) =>
        (await c.QueryAsync<AnalyzerSettings>($"SELECT {AnalyzerSettings.Columns} FROM analyzer_settings WHERE org_id = @orgId", new { orgId }, tx))
            .ToDictionary(s => s.Name, StringComparer.Ordinal);

    public static Task<AnalyzerSettings?> SettingsAsync(DbConnection c, long orgId, string name, DbTransaction? tx = null) =>
        c.QuerySingleOrDefaultAsync<AnalyzerSettings>($"SELECT {AnalyzerSettings.Columns} FROM analyzer_settings WHERE org_id = @orgId AND name = @name", new { orgId, name }, tx);

    public static Task SaveAsync(DbConnection c, DbTransaction tx, AnalyzerSettings s) =>
        c.ExecuteAsync("""
            INSERT INTO analyzer_settings (org_id, name, enabled, base_url, config, secrets, rate_limit, cache_ttl_ms, timeout_ms, max_tlp, max_pap, auto, artifacts, updated_by, updated_at)
            VALUES (@OrgId, @Name, @Enabled, @BaseUrl, @ConfigJson, @SecretsProtected, @RateLimitText, @CacheTtlMs, @TimeoutMs, @MaxTlp, @MaxPap, @Auto, @Artifacts, @UpdatedBy, @UpdatedAt)
            ON CONFLICT (org_id, name) DO UPDATE SET enabled = excluded.enabled, base_url = excluded.base_url, config = excluded.config,
              secrets = excluded.secrets, rate_limit = excluded.rate_limit, cache_ttl_ms = excluded.cache_ttl_ms, timeout_ms = excluded.timeout_ms, max_tlp = excluded.max_tlp,
              max_pap = excluded.max_pap, auto = excluded.auto, artifacts = excluded.artifacts, updated_by = excluded.updated_by, updated_at = excluded.updated_at
            """, s, tx);

    /// <summary>
    /// Takes one call of the organisation's allowance for the analyzer, or returns how long to wait until a rule frees
    /// one. The settings row is locked on PostgreSQL (SQLite has one writer), so nodes counting at once cannot both take
    /// the last call of a window.
    /// </summary>
    public static async Task<TimeSpan?> TryReserveCallAsync(DbConnection c, DbTransaction tx, bool postgres, long orgId, string analyzer, RateLimit limit, long now)
    {
        if (limit.Rules.Count == 0)
            return null;
        if (postgres)
            await c.ExecuteAsync("SELECT 1 FROM analyzer_settings WHERE org_id = @orgId AND name = @analyzer FOR UPDATE", new { orgId, analyzer }, tx);
        await c.ExecuteAsync("DELETE FROM analyzer_calls WHERE org_id = @orgId AND analyzer = @analyzer AND at <= @old",
            new { orgId, analyzer, old = now - (long)limit.Longest.TotalMilliseconds }, tx);
        long wait = 0;
        foreach (var rule in limit.Rules)
        {
            var per = (long)rule.Per.TotalMilliseconds;
            // The call whose leaving the window frees a place: the rule.Count-th newest inside it.
            var blocking = await c.ExecuteScalarAsync<long?>("""
                SELECT at FROM analyzer_calls WHERE org_id = @orgId AND analyzer = @analyzer AND at > @since
                ORDER BY at DESC LIMIT 1 OFFSET @skip
                """, new { orgId, analyzer, since = now - per, skip = rule.Count - 1 }, tx);
            if (blocking is { } at)
                wait = Math.Max(wait, at + per - now);
        }
        if (wait > 0)
            return TimeSpan.FromMilliseconds(wait);
        await c.ExecuteAsync("INSERT INTO analyzer_calls (org_id, analyzer, at) VALUES (@orgId, @analyzer, @now)", new { orgId, analyzer, now }, tx);
        return null;
    }

    public static Task<long> InsertReportAsync(DbConnection c, DbTransaction tx, long orgId, string analyzer, string dataType, string data, string status,
        string? reason, string observableKind, long observableId, long now) =>
        c.ExecuteScalarAsync<long>("""
            INSERT INTO analyzer_reports (org_id, analyzer, data_type, data, data_key, status, taxonomies, artifacts, reason, observable_kind, observable_id, created_at, finished_at)
            VALUES (@orgId, @analyzer, @dataType, @data, @key, @status, '[]', '[]', @reason, @observableKind, @observableId, @now, @finished)
            RETURNING id
            """, new { orgId, analyzer, dataType, data, key = DataKey(dataType, data), status, reason, observableKind, observableId, now, finished = status == ReportStatus.Pending ? (long?)null : now }, tx);

    /// <summary>A report to insert: who asked (the observable) and what it starts as.</summary>
    public readonly record struct NewReport(string Analyzer, string DataType, string Data, string Status, string? Reason, string ObservableKind, long ObservableId);

    /// <summary>
    /// Inserts reports with one multi-row statement per chunk; returns their ids in the order given. Rows are told apart
    /// by (analyzer, observable), which the caller keeps unique: RETURNING promises no order.
    /// </summary>
    public static async Task<long[]> InsertReportsAsync(DbConnection c, DbTransaction tx, long orgId, IReadOnlyList<NewReport> reports, long now)
    {
        var ids = new long[reports.Count];
        for (var start = 0; start < reports.Count; start += InsertChunk)
        {
            var count = Math.Min(InsertChunk, reports.Count - start);
            var p = new DynamicParameters(new { orgId, now });
            var values = new StringBuilder();
            var slot = new Dictionary<(string, string, long), int>();
            for (var i = 0; i < count; i++)
            {
                var r = reports[start + i];
                slot.Add((r.Analyzer, r.ObservableKind, r.ObservableId), start + i);
                values.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                    $"(@orgId, @a{i}, @t{i}, @d{i}, @k{i}, @s{i}, '[]', '[]', @r{i}, @ok{i}, @oi{i}, @now, @f{i})");
                p.Add($"a{i}", r.Analyzer);
                p.Add($"t{i}", r.DataType);
                p.Add($"d{i}", r.Data);
                p.Add($"k{i}", DataKey(r.DataType, r.Data));
                p.Add($"s{i}", r.Status);
                p.Add($"r{i}", r.Reason);
                p.Add($"ok{i}", r.ObservableKind);
                p.Add($"oi{i}", r.ObservableId);
                p.Add($"f{i}", r.Status == ReportStatus.Pending ? null : now, System.Data.DbType.Int64);
            }
            var rows = await c.QueryAsync<(long Id, string Analyzer, string Kind, long ObservableId)>($"""
                INSERT INTO analyzer_reports (org_id, analyzer, data_type, data, data_key, status, taxonomies, artifacts, reason, observable_kind, observable_id, created_at, finished_at)
                VALUES {values}
                RETURNING id, analyzer, observable_kind, observable_id
                """, p, tx);
            foreach (var (id, analyzer, kind, observableId) in rows)
                ids[slot[(analyzer, kind, observableId)]] = id;
        }
        return ids;
    }

    /// <summary>Rows per multi-row statement: 13 parameters each stays far below SQLite's and PostgreSQL's limits.</summary>
    const int InsertChunk = 200;

    /// <summary>Links reports to their jobs in one statement.</summary>
    public static Task SetJobsAsync(DbConnection c, DbTransaction tx, IReadOnlyList<(long ReportId, long JobId)> links)
    {
        if (links.Count == 0)
            return Task.CompletedTask;
        var p = new DynamicParameters();
        var cases = new StringBuilder();
        for (var i = 0; i < links.Count; i++)
        {
            cases.Append(CultureInfo.InvariantCulture, $" WHEN @r{i} THEN @j{i}");
            p.Add($"r{i}", links[i].ReportId);
            p.Add($"j{i}", links[i].JobId);
        }
        p.Add("ids", links.Select(l => l.ReportId).ToArray());
        return c.ExecuteAsync($"UPDATE analyzer_reports SET job_id = CASE id{cases} END WHERE {Storage.Db.In(c, "id", "@ids")}", p, tx);
    }

    /// <summary>
    /// <see cref="ReusableAsync"/> for many (analyzer, value) pairs in one query: the id of the report that answers each
    /// pair, by (analyzer, data key). <paramref name="ttlOf"/> gives each analyzer's TTL.
    /// </summary>
    public static async Task<Dictionary<(string Analyzer, string Key), long>> ReusableManyAsync(DbConnection c, DbTransaction tx, long orgId,
        IReadOnlyCollection<string> analyzers, IReadOnlyCollection<string> keys, Func<string, TimeSpan> ttlOf, long now)
    {
        var found = new Dictionary<(string, string), long>();
        if (analyzers.Count == 0 || keys.Count == 0)
            return found;
        var longest = analyzers.Max(a => ttlOf(a));
        var rows = await c.QueryAsync<(long Id, string Analyzer, string Key, string Status, long? FinishedAt)>($"""
            SELECT id, analyzer, data_key, status, finished_at FROM analyzer_reports
            WHERE org_id = @orgId AND {Storage.Db.In(c, "data_key", "@keys")} AND {Storage.Db.In(c, "analyzer", "@analyzers")}
              AND ((status = 'success' AND cached_from IS NULL AND finished_at > @since)
                OR (status = 'pending' AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = analyzer_reports.job_id AND j.status = 'dead')))
            """, new { orgId, keys = keys.ToArray(), analyzers = analyzers.ToArray(), since = now - (long)longest.TotalMilliseconds }, tx);
        foreach (var r in rows)
        {
            // The query took the longest TTL of the batch; each analyzer's own TTL decides.
            if (r.Status == ReportStatus.Success && r.FinishedAt <= now - (long)ttlOf(r.Analyzer).TotalMilliseconds)
                continue;
            if (!found.TryGetValue((r.Analyzer, r.Key), out var newest) || r.Id > newest)
                found[(r.Analyzer, r.Key)] = r.Id;
        }
        return found;
    }

    public static Task SetJobAsync(DbConnection c, DbTransaction tx, long reportId, long? jobId) =>
        c.ExecuteAsync("UPDATE analyzer_reports SET job_id = @jobId WHERE id = @reportId", new { reportId, jobId }, tx);

    /// <summary>
    /// The newest report of the value by the analyzer made by the service within <paramref name="ttl"/> (the TTL in
    /// force now, so shortening it takes effect at once; answers copied from the cache do not renew it), or one still
    /// being made (to wait for, not repeat) unless its job was dead-lettered (its worker died on every attempt): then
    /// a new run is asked for.
    /// </summary>
    public static Task<AnalyzerReport?> ReusableAsync(DbConnection c, long orgId, string analyzer, string dataType, string data, TimeSpan ttl, long now, DbTransaction? tx = null) =>
        c.QueryFirstOrDefaultAsync<AnalyzerReport>($"""
            SELECT {AnalyzerReport.Columns} FROM analyzer_reports
            WHERE org_id = @orgId AND data_key = @key AND analyzer = @analyzer
              AND ((status = 'success' AND cached_from IS NULL AND finished_at > @since)
                OR (status = 'pending' AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = analyzer_reports.job_id AND j.status = 'dead')))
            ORDER BY id DESC LIMIT 1
            """, new { orgId, key = DataKey(dataType, data), analyzer, since = now - (long)ttl.TotalMilliseconds }, tx);

    public static Task<AnalyzerReport?> GetAsync(DbConnection c, long orgId, long id, DbTransaction? tx = null) =>
        c.QuerySingleOrDefaultAsync<AnalyzerReport>($"SELECT {AnalyzerReport.Columns} FROM analyzer_reports WHERE org_id = @orgId AND id = @id", new { orgId, id }, tx);

    public static async Task<IReadOnlyList<AnalyzerReport>> GetManyAsync(DbConnection c, long orgId, long[] ids) =>
        ids.Length == 0 ? [] : (await c.QueryAsync<AnalyzerReport>(
            $"SELECT {AnalyzerReport.Columns} FROM analyzer_reports WHERE org_id = @orgId AND {Storage.Db.In(c, "id", "@ids")} ORDER BY id", new { orgId, ids })).AsList();

    /// <summary>The newest report of each analyzer about the value (what the observable shows).</summary>
    public static async Task<IReadOnlyList<AnalyzerReport>> LatestAsync(DbConnection c, long orgId, string dataType, string data) =>
        (await c.QueryAsync<AnalyzerReport>($"""
            SELECT {AnalyzerReport.Columns} FROM analyzer_reports r
            WHERE org_id = @orgId AND data_key = @key
              AND id = (SELECT MAX(id) FROM analyzer_reports l WHERE l.org_id = r.org_id AND l.data_key = r.data_key AND l.analyzer = r.analyzer)
            ORDER BY analyzer
            """, new { orgId, key = DataKey(dataType, data) })).AsList();

    public sealed record Finish(string Status, string? Level, string Taxonomies, string? FullJson, bool FullTruncated, string Artifacts, string? Reason, long? CachedFrom, long? ExpiresAt);

    /// <summary>Ends a pending report; false when it was no longer pending (another attempt ended it).</summary>
    public static async Task<bool> FinishAsync(DbConnection c, DbTransaction tx, long id, Finish f, long now) =>
        await c.ExecuteAsync("""
            UPDATE analyzer_reports SET status = @Status, level = @Level, taxonomies = @Taxonomies, full_json = @FullJson, full_truncated = @FullTruncated,
              artifacts = @Artifacts, reason = @Reason, cached_from = @CachedFrom, expires_at = @ExpiresAt, finished_at = @now
            WHERE id = @id AND status = 'pending'
            """, new { id, f.Status, f.Level, f.Taxonomies, f.FullJson, f.FullTruncated, f.Artifacts, f.Reason, f.CachedFrom, f.ExpiresAt, now }, tx) == 1;

    /// <summary>
    /// Keeps a long-running analysis's state with its pending report, only while the job's lease is this worker's (a
    /// worker that lost it must not overwrite a newer state). False when the report or the lease was gone.
    /// </summary>
    public static async Task<bool> SavePollAsync(DbConnection c, DbTransaction tx, long reportId, string state, long since, long jobId, string? leaseToken) =>
        await c.ExecuteAsync("""
            UPDATE analyzer_reports SET poll_state = @state, poll_since = COALESCE(poll_since, @since), polls = polls + 1
            WHERE id = @reportId AND status = 'pending'
              AND EXISTS (SELECT 1 FROM jobs j WHERE j.id = @jobId AND j.lease_token = @leaseToken AND j.status = 'running')
            """, new { reportId, state, since, jobId, leaseToken }, tx) == 1;

    /// <summary>An observable of the organisation by id, with its owner's TLP and PAP; <paramref name="kind"/> null looks in alerts and cases.</summary>
    public static async Task<IReadOnlyList<ObservableRef>> FindObservableAsync(DbConnection c, long orgId, long id, string? kind)
    {
        var found = new List<ObservableRef>();
        if (kind is null or "alert")
            found.AddRange(await c.QueryAsync<ObservableRef>("""
                SELECT 'alert' AS Kind, o.id AS Id, o.alert_id AS OwnerId, o.data_type AS DataType, o.data AS Data, a.tlp AS Tlp, a.pap AS Pap
                FROM alert_observables o JOIN alerts a ON a.id = o.alert_id WHERE o.id = @id AND o.org_id = @orgId
                """, new { id, orgId }));
        if (kind is null or "case")
            found.AddRange(await c.QueryAsync<ObservableRef>("""
                SELECT 'case' AS Kind, o.id AS Id, o.case_id AS OwnerId, o.data_type AS DataType, o.data AS Data, k.tlp AS Tlp, k.pap AS Pap
                FROM case_observables o JOIN cases k ON k.id = o.case_id WHERE o.id = @id AND o.org_id = @orgId
                """, new { id, orgId }));
        return found;
    }
}

/// <summary>An observable found by id: where it is (alert or case), its value, and its owner's TLP and PAP.</summary>
public sealed class ObservableRef
{
    public string Kind { get; set; } = "";
    public long Id { get; set; }
    public long OwnerId { get; set; }
    public string DataType { get; set; } = "";
    public string Data { get; set; } = "";
    public int Tlp { get; set; }
    public int Pap { get; set; }
}
