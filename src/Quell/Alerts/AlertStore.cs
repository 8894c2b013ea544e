using System.Data.Common;
using Dapper;
using Quell.Audit;
using Quell.Cases;
using Quell.Enrichment;
using Quell.Intel.Flagging;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Alerts;

/// <summary>Alert rows: intake (create or update by source reference), flags, promotion and merge into cases.</summary>
public sealed partial class AlertStore(AuditLog audit, Db db, AutoEnrichment autoEnrichment)
{
    public sealed record UpsertResult(long Id, bool Created);

    /// <summary>
    /// Creates the alert, or — when (organisation, source, sourceRef) exists — updates it in place and merges new
    /// observables (TheHive fails here; re-sending is how SIEMs report that an alert evolved). New observables of an
    /// alert that was already promoted also reach its case.
    /// </summary>
    public async Task<UpsertResult> UpsertAsync(DbConnection c, DbTransaction tx, long orgId, AlertInput a, string actor, long now)
    {
        // New alerts are the common case, so the insert goes first and yields (ON CONFLICT) to an existing or concurrent
        // row; only then is the existing row read. On PostgreSQL that row is locked, so that updates of one alert take
        // turns; SQLite has a single writer anyway. The observables of a post are distinct (ObservableInput.ParseList),
        // so a new alert's count is known before its rows are written.
        var id = await c.ExecuteScalarAsync<long?>("""
                INSERT INTO alerts (org_id, type, source, source_ref, title, description, severity, tlp, pap, status, is_read, tags, date,
                                    first_evidence_at, created_at, updated_at, observable_count, raw)
                VALUES (@orgId, @Type, @Source, @SourceRef, @Title, @Description, @Severity, @tlp, @pap, 'new', @read, @tags, @date,
                        @FirstEvidenceAt, @now, @now, @count, @Raw)
                ON CONFLICT (org_id, source, source_ref) DO NOTHING
                RETURNING id
                """, new
        {
            orgId,
            a.Type,
            a.Source,
            a.SourceRef,
            a.Title,
            a.Description,
            a.Severity,
            tlp = (int)a.Tlp,
            pap = (int)a.Pap,
            read = false,
            tags = JsonColumns.Of(a.Tags),
            date = a.Date ?? now,
            a.FirstEvidenceAt,
            now,
            count = a.Observables.Count,
            a.Raw,
        }, tx);
        if (id is { } newId)
        {
            await InsertTagsAsync(c, tx, newId, orgId, a.Tags);
            await ObservableStore.InsertNewAsync(c, tx, ObservableOwner.Alert(newId, orgId), a.Observables, now);
            await autoEnrichment.AddedAsync(c, tx, ObservableOwner.Alert(newId, orgId), a.Observables, now);
            await audit.AppendAsync(c, tx, new AuditEntry(orgId, actor, "alert.create", "alert", Id(newId), null, Summary(a, a.Observables.Count)));
            return new UpsertResult(newId, true);
        }

        var old = await c.QuerySingleAsync<AlertRow>(
            $"SELECT {AlertRow.Columns} FROM alerts a WHERE a.org_id = @orgId AND a.source = @Source AND a.source_ref = @SourceRef" +
            (db.IsPostgres ? " FOR UPDATE" : ""), new { orgId, a.Source, a.SourceRef }, tx);
        var tags = JsonColumns.Tags(old.TagsJson).Union(a.Tags, StringComparer.Ordinal).ToArray();
        // A resolved alert stays resolved when its source posts it again, as an ignored one stays ignored: the analyst's verdict
        // stands until someone reopens it.
        var status = old.Status is AlertStatus.New or AlertStatus.Ignored or AlertStatus.Resolved ? old.Status : AlertStatus.Updated;
        var newObservables = await ObservableStore.MergeAsync(c, tx, ObservableOwner.Alert(old.Id, orgId), a.Observables, now);
        await autoEnrichment.AddedAsync(c, tx, ObservableOwner.Alert(old.Id, orgId), newObservables, now);
        var newCount = newObservables.Count;
        await c.ExecuteAsync("""
            UPDATE alerts SET type = @Type, title = @Title, description = @Description, severity = @Severity, tlp = @tlp, pap = @pap,
                              status = @status, tags = @tags, date = @date, first_evidence_at = @fe, updated_at = @now,
                              observable_count = observable_count + @newCount, raw = COALESCE(@Raw, raw)
            WHERE id = @Id
            """, new
        {
            a.Type,
            a.Title,
            a.Description,
            a.Severity,
            tlp = (int)a.Tlp,
            pap = (int)a.Pap,
            status,
            tags = JsonColumns.Of(tags),
            date = a.Date ?? old.Date,
            fe = Min(old.FirstEvidenceAt, a.FirstEvidenceAt),
            now,
            newCount,
            a.Raw,
            old.Id,
        }, tx);
        await InsertTagsAsync(c, tx, old.Id, orgId, tags.Except(JsonColumns.Tags(old.TagsJson)));
        if (old.CaseId is { } caseId && newCount > 0)
        {
            var added = await ObservableStore.MergeAsync(c, tx, ObservableOwner.Case(caseId, orgId), a.Observables, now);
            await autoEnrichment.AddedAsync(c, tx, ObservableOwner.Case(caseId, orgId), added, now);
            if (added.Count > 0)
                await CaseStore.AddTimelineAsync(c, tx, caseId, orgId, "alert.updated", $"Alert {old.Id} was updated with {added.Count} new observable(s)", actor, now);
        }
        await audit.AppendAsync(c, tx, new AuditEntry(orgId, actor, "alert.update", "alert", Id(old.Id),
            new { old.Title, old.Severity, old.Status, old.ObservableCount }, Summary(a, newCount)));
        return new UpsertResult(old.Id, false);
    }

    internal static async Task InsertTagsAsync(DbConnection c, DbTransaction tx, long alertId, long orgId, IEnumerable<string> tags)
    {
        // One statement for all tags (at most 100, see JsonFields.Strings), not one per tag: statements are compiled per call.
        var list = tags.ToList();
        if (list.Count == 0)
            return;
        var p = new DynamicParameters(new { alertId, orgId });
        for (var i = 0; i < list.Count; i++)
            p.Add("tag" + i, list[i]);
        await c.ExecuteAsync(
            $"INSERT INTO alert_tags (alert_id, org_id, tag) VALUES {string.Join(", ", list.Select((_, i) => $"(@alertId, @orgId, @tag{i})"))} ON CONFLICT DO NOTHING",
            p, tx);
    }

    public static async Task<AlertRow?> GetRowAsync(DbConnection c, long orgId, long id, DbTransaction? tx = null) =>
        await c.QuerySingleOrDefaultAsync<AlertRow>($"SELECT {AlertRow.Columns} FROM alerts a WHERE a.org_id = @orgId AND a.id = @id", new { orgId, id }, tx);

    public static async Task<AlertView?> GetViewAsync(DbConnection c, long orgId, long id, DbTransaction? tx = null)
    {
        var found = (await c.QueryAsync<AlertRow, string?, (AlertRow Row, string? Raw)>(
            $"SELECT {AlertRow.Columns}, a.raw AS Raw FROM alerts a WHERE a.org_id = @orgId AND a.id = @id",
            (row, raw) => (row, raw), new { orgId, id }, tx, splitOn: "Raw")).SingleOrDefault();
        if (found.Row is null)
            return null;
        return AlertView.From(found.Row, await ObservableStore.ListAsync(c, ObservableOwner.Alert(id, orgId), tx), found.Raw);
    }

    /// <summary>The alert's view with the live intel matches and enrichment summaries of its observables (reads only: flags are recorded in the background).</summary>
    public static async Task<AlertView?> GetViewWithIntelAsync(DbConnection c, long orgId, long id, DateTimeOffset now)
    {
        var view = await GetViewAsync(c, orgId, id);
        if (view is not null)
        {
            await ObservableIntelReads.AttachAsync(c, orgId, FlagSource.AlertKind, id, view.Observables, now);
            await EnrichmentSummaries.AttachAsync(c, orgId, view.Observables);
            await Files.FileSummaries.AttachAsync(c, orgId, $"/api/v1/alerts/{id}", view.Observables);
            await Scoring.ScoreReads.AttachHistoryAsync(c, orgId, FlagSource.AlertKind, id, view.Observables);
        }
        return view;
    }

    /// <summary>
    /// Sets read/status flags. Returns false when the alert is not in this organisation. An alert that leaves the resolved
    /// state (reopened, ignored) takes its decision back: the verdict no longer teaches the score.
    /// </summary>
    public async Task<bool> SetFlagAsync(DbConnection c, DbTransaction tx, long orgId, long id, AlertFlag flag, string actor, long now)
    {
        var row = await GetRowAsync(c, orgId, id, tx);
        if (row is null)
            return false;
        var open = row.CaseId is null ? AlertStatus.New : AlertStatus.Imported;
        var (read, status) = flag switch
        {
            AlertFlag.Read => (true, row.Status),
            AlertFlag.Unread => (false, row.Status),
            AlertFlag.Ignore => (row.IsRead, AlertStatus.Ignored),
            AlertFlag.Unignore => (row.IsRead, row.Status == AlertStatus.Ignored ? open : row.Status),
            AlertFlag.Reopen => (row.IsRead, row.Status == AlertStatus.Resolved ? open : row.Status),
            _ => throw new ArgumentOutOfRangeException(nameof(flag)),
        };
        if (read == row.IsRead && status == row.Status)
            return true;
        var resolution = status == AlertStatus.Resolved ? row.Resolution : null;
        var resolvedAt = status == AlertStatus.Resolved ? row.ResolvedAt : null;
        await c.ExecuteAsync("UPDATE alerts SET is_read = @read, status = @status, resolution = @resolution, resolved_at = @resolvedAt, updated_at = @now WHERE id = @id",
            new { read, status, resolution, resolvedAt, now, id }, tx);
        long? withdrawn = null;
        if (row.Status == AlertStatus.Resolved && status != AlertStatus.Resolved)
            withdrawn = await Scoring.Decisions.WithdrawAsync(c, tx, orgId, FlagSource.AlertKind, id, now);
        await audit.AppendAsync(c, tx, new AuditEntry(orgId, actor, "alert." + flag.ToString().ToLowerInvariant(), "alert", Id(id),
            new { read = row.IsRead, status = row.Status, resolution = row.Resolution }, new { read, status, resolution, withdrawnDecision = withdrawn }));
        return true;
    }

    /// <summary>Closes the alert with an analyst's verdict (status resolved, the resolution and when), in the caller's transaction.</summary>
    public static Task ResolveAsync(DbConnection c, DbTransaction tx, AlertRow row, string resolution, long now) =>
        c.ExecuteAsync("""
            UPDATE alerts SET status = @status, resolution = @resolution, resolved_at = @resolvedAt, is_read = @read, updated_at = @now WHERE id = @id
            """, new
        {
            status = AlertStatus.Resolved,
            resolution,
            // Re-resolving keeps the first time it was closed, as a case keeps its resolvedAt.
            resolvedAt = row.Status == AlertStatus.Resolved ? row.ResolvedAt ?? now : now,
            read = true,
            now,
            id = row.Id,
        }, tx);

    /// <summary>Creates a case from the alert and links it. Fails with <see cref="AlertLinkedException"/> if already linked.</summary>
    public async Task<(long Id, long Number)> PromoteAsync(DbConnection c, DbTransaction tx, AlertRow alert, NewCase? overrides, string actor, long now)
    {
        if (alert.CaseId is { } existing)
            throw new AlertLinkedException(alert.Id, existing);
        var n = overrides ?? new NewCase(alert.Title, alert.Description, alert.Severity, (Tlp)alert.Tlp, (Tlp)alert.Pap, JsonColumns.Tags(alert.TagsJson));
        n = n with { DetectedAt = Min(n.DetectedAt, alert.Date), FirstEvidenceAt = Min(n.FirstEvidenceAt, alert.FirstEvidenceAt) };
        var created = await CaseStore.CreateAsync(c, tx, alert.OrgId, n, actor, now);
        await LinkAsync(c, tx, alert, created.Id, actor, now);
        await audit.AppendAsync(c, tx, new AuditEntry(alert.OrgId, actor, "case.create", "case", Id(created.Id), null,
            new { created.Number, n.Title, fromAlert = alert.Id }));
        return created;
    }

    /// <summary>Links the alert to an existing case: observables are merged without duplicates, case times widened.</summary>
    public async Task MergeIntoAsync(DbConnection c, DbTransaction tx, AlertRow alert, CaseRow target, string actor, long now)
    {
        if (alert.CaseId is { } existing)
            throw new AlertLinkedException(alert.Id, existing);
        await c.ExecuteAsync("""
            UPDATE cases SET detected_at = @detected, first_evidence_at = @first, updated_at = @now, version = version + 1 WHERE id = @id
            """, new { detected = Min(target.DetectedAt, alert.Date), first = Min(target.FirstEvidenceAt, alert.FirstEvidenceAt), now, id = target.Id }, tx);
        await LinkAsync(c, tx, alert, target.Id, actor, now);
        await audit.AppendAsync(c, tx, new AuditEntry(alert.OrgId, actor, "alert.merge", "alert", Id(alert.Id),
            new { caseId = (long?)null }, new { caseId = target.Id, caseNumber = target.Number }));
    }

    /// <summary>
    /// TheHive's "merge into new case": the first alert is promoted to a new case and the others are merged into it, in
    /// the caller's transaction, so either all are linked or none. Alerts not in the organisation are reported by
    /// <see cref="KeyNotFoundException"/>; an alert already linked by <see cref="AlertLinkedException"/>.
    /// </summary>
    public async Task<(long Id, long Number)> PromoteTogetherAsync(DbConnection c, DbTransaction tx, long orgId, IReadOnlyList<long> alertIds, string actor, long now)
    {
        if (alertIds.Count == 0)
            throw new ArgumentException("select at least one alert", nameof(alertIds));
        var rows = new List<AlertRow>();
        foreach (var id in alertIds.Distinct())
            rows.Add(await GetRowAsync(c, orgId, id, tx) ?? throw new KeyNotFoundException($"alert {id} does not exist"));
        var created = await PromoteAsync(c, tx, rows[0], null, actor, now);
        // The case is read again before each merge: a merge widens its times, and the next one must widen from there.
        foreach (var alert in rows.Skip(1))
            await MergeIntoAsync(c, tx, alert, await CaseStore.GetRowAsync(c, orgId, created.Id, tx) ?? throw new InvalidOperationException("the new case vanished"), actor, now);
        return created;
    }

    /// <summary>
    /// The id of the organisation's newest alert (0 when it has none): where the live queue starts counting. Read
    /// through (org_id, created_at, id): SQLite answers "ORDER BY id DESC" by reading every id of the organisation from
    /// that index and sorting them (170 ms at a million alerts). Ids follow creation, so the newest is the highest; were
    /// the clock to step back, the live count would include an alert already on the page, never miss one.
    /// </summary>
    public static async Task<long> MaxIdAsync(DbConnection c, long orgId) =>
        await c.ExecuteScalarAsync<long?>("SELECT id FROM alerts WHERE org_id = @orgId ORDER BY created_at DESC, id DESC LIMIT 1", new { orgId }) ?? 0;

    async Task LinkAsync(DbConnection c, DbTransaction tx, AlertRow alert, long caseId, string actor, long now)
    {
        var observables = await ObservableStore.ListAsync(c, ObservableOwner.Alert(alert.Id, alert.OrgId), tx);
        var added = await ObservableStore.MergeAsync(c, tx, ObservableOwner.Case(caseId, alert.OrgId), observables.Select(ObservableStore.ToInput).ToList(), now);
        await autoEnrichment.AddedAsync(c, tx, ObservableOwner.Case(caseId, alert.OrgId), added, now);
        await c.ExecuteAsync("UPDATE alerts SET case_id = @caseId, status = 'imported', is_read = @read, updated_at = @now WHERE id = @id",
            new { caseId, read = true, now, id = alert.Id }, tx);
        await CaseStore.AddTimelineAsync(c, tx, caseId, alert.OrgId, "alert.linked",
            $"Alert {alert.Id} ({alert.Source}/{alert.SourceRef}) linked with {added.Count} new observable(s)", actor, now);
    }

    static object Summary(AlertInput a, int newObservables) =>
        new { a.Type, a.Source, a.SourceRef, a.Title, a.Severity, tlp = TlpNames.Name(a.Tlp), pap = TlpNames.Name(a.Pap), a.Tags, newObservables };

    static string Id(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}

public enum AlertFlag
{
    Read,
    Unread,
    Ignore,
    Unignore,
    /// <summary>A resolved alert back to new (imported when linked to a case); its decision stops counting.</summary>
    Reopen,
}

public sealed class AlertLinkedException(long alertId, long caseId) : Exception($"alert {alertId} is already linked to case {caseId}")
{
    public long CaseId => caseId;
}
