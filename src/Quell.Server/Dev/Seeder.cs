using System.Data.Common;
using System.Globalization;
using Dapper;
using Quell.Identity;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Server.Dev;

/// <summary>Progress of one seeding stage ("alerts", "cases"): rows done out of total.</summary>
public readonly record struct SeedProgress(string Stage, long Done, long Total);

/// <summary>What a seed wrote: the plan (to re-enumerate in tests) and the id ranges it took.</summary>
public sealed record SeedResult(SeedPlan Plan, long OrgId, long FirstAlertId, long FirstCaseId, long FirstCaseNumber, long AlertObservables, long CaseObservables);

/// <summary>
/// Fills a store with realistic synthetic alerts and cases for development and benchmarks, as the API would have
/// written them (tag tables, observables deduplicated per owner, case observables merged from linked alerts, timeline),
/// but in bulk: a million alerts through the API would take the better part of an hour.
/// Nothing here is audit-logged: the audit log attests to what people and integrations did, and a hash chain vouching
/// for a million invented events would be both false and a million rows heavier. Run it against an idle store: ids are
/// reserved up front, yet a concurrent SQLite writer could still take one of them.
/// </summary>
public sealed class Seeder(Db db, IdentityStore identity, TimeProvider time)
{
    public const int BatchSize = 5000;

    public async Task<SeedResult> RunAsync(SeedSpec spec, IProgress<SeedProgress>? progress = null, CancellationToken ct = default)
    {
        var (orgId, analysts, firstAlert, firstCase, firstNumber) = await PrepareAsync(spec, ct);
        var plan = new SeedPlan(spec, time.GetUtcNow().ToUnixTimeMilliseconds(), firstAlert, firstCase, firstNumber, analysts);
        var links = new CaseLinks();
        long alertObservables = 0;
        await using (var writer = await SeedWriter.OpenAsync(db, ct))
        {
            long done = 0;
            foreach (var batch in plan.Alerts().Chunk(BatchSize))
            {
                await writer.BeginAsync(ct);
                await writer.WriteAsync(SeedTable.Alerts, batch.Select(a => new object?[]
                {
                    a.Id, orgId, a.Type, a.Source, a.SourceRef, a.Title, a.Description, a.Severity, (int)a.Tlp, (int)a.Pap, a.Status, a.IsRead,
                    JsonColumns.Of(a.Tags), a.Date, a.CreatedAt, a.UpdatedAt, a.FirstEvidenceAt, a.CaseId, a.Observables.Length,
                }), ct);
                await writer.WriteAsync(SeedTable.AlertTags, batch.SelectMany(a => a.Tags.Select(t => new object?[] { a.Id, orgId, t })), ct);
                await writer.WriteAsync(SeedTable.AlertObservables, batch.SelectMany(a => a.Observables.Select(o => new object?[]
                {
                    a.Id, orgId, o.DataType, o.Data, o.Ioc, o.Sighted, "[]",
                })), ct);
                await writer.CommitAsync(ct);
                foreach (var a in batch)
                {
                    links.Add(a);
                    alertObservables += a.Observables.Length;
                }
                done += batch.Length;
                progress?.Report(new SeedProgress("alerts", done, spec.Alerts));
            }

            done = 0;
            long caseObservables = 0;
            foreach (var batch in plan.Cases.Chunk(BatchSize))
            {
                var full = batch.Select(c => (Case: c, Links: links.Complete(c))).ToList();
                await writer.BeginAsync(ct);
                await writer.WriteAsync(SeedTable.Cases, full.Select(x => new object?[]
                {
                    x.Case.Id, orgId, x.Case.Number, x.Case.Title, x.Case.Description, x.Case.Severity, (int)x.Case.Tlp, (int)x.Case.Pap,
                    x.Case.Status, x.Case.Resolution, x.Case.Summary, x.Case.AssigneeId, JsonColumns.Of(x.Case.Tags), "{}",
                    x.Links.FirstEvidenceAt, x.Links.DetectedAt, x.Case.ContainedAt, x.Case.ResolvedAt, x.Case.CreatedBy,
                    x.Case.CreatedAt, x.Case.UpdatedAt, x.Case.Version,
                }), ct);
                await writer.WriteAsync(SeedTable.CaseTags, full.SelectMany(x => x.Case.Tags.Select(t => new object?[] { x.Case.Id, orgId, t })), ct);
                await writer.WriteAsync(SeedTable.CaseObservables, full.SelectMany(x => x.Links.Observables.Select(o => new object?[]
                {
                    x.Case.Id, orgId, o.Observable.DataType, o.Observable.Data, o.Observable.Ioc, o.Observable.Sighted, "[]", o.At,
                })), ct);
                await writer.WriteAsync(SeedTable.CaseTimeline, full.SelectMany(x => Timeline(x.Case, x.Links, analysts)
                    .Select(e => new object?[] { x.Case.Id, orgId, e.At, e.Kind, e.Message, e.Actor })), ct);
                await writer.CommitAsync(ct);
                caseObservables += full.Sum(x => x.Links.Observables.Count);
                done += batch.Length;
                progress?.Report(new SeedProgress("cases", done, spec.Cases));
            }
            progress?.Report(new SeedProgress("statistics", 0, 1));
            await AnalyzeAsync(ct);
            progress?.Report(new SeedProgress("statistics", 1, 1));
            return new SeedResult(plan, orgId, firstAlert, firstCase, firstNumber, alertObservables, caseObservables);
        }
    }

    /// <summary>The organisation, its analysts, and the id and case-number ranges reserved for this run.</summary>
    async Task<(long OrgId, IReadOnlyList<(long Id, string Username)> Analysts, long FirstAlert, long FirstCase, long FirstNumber)> PrepareAsync(
        SeedSpec spec, CancellationToken ct) =>
        await db.WriteAsync(async (c, tx) =>
        {
            var orgId = (await IdentityStore.FindOrganisationAsync(c, spec.Organisation, tx))?.Id
                ?? await identity.CreateOrganisationAsync(c, tx, spec.Organisation, "Created by quell dev seed")
                ?? throw new InvalidOperationException($"organisation '{spec.Organisation}' was created concurrently; run the seed again");
            var analysts = new List<(long, string)>();
            foreach (var name in SeedVocabulary.Analysts)
            {
                // Seeded analysts have no password: they own cases but cannot log in until an admin sets one.
                var id = (await IdentityStore.FindUserAsync(c, name, tx))?.Id
                    ?? await identity.CreateUserAsync(c, tx, name, DisplayName(name), null, platformAdmin: false)
                    ?? throw new InvalidOperationException($"user '{name}' was created concurrently; run the seed again");
                if (await IdentityStore.GetMemberAsync(c, orgId, id, tx) is null)
                    await IdentityStore.SetMembershipAsync(c, tx, id, orgId, Role.Analyst);
                analysts.Add((id, name));
            }
            var firstNumber = await c.ExecuteScalarAsync<long>(
                "UPDATE organisations SET next_case_number = next_case_number + @n WHERE id = @orgId RETURNING next_case_number - @n",
                new { n = (long)spec.Cases, orgId }, tx);
            return (orgId, (IReadOnlyList<(long, string)>)analysts, await ReserveAsync(c, tx, "alerts", spec.Alerts), await ReserveAsync(c, tx, "cases", spec.Cases), firstNumber);
        }, ct);

    /// <summary>
    /// The first of <paramref name="count"/> ids for explicit inserts. On PostgreSQL the identity sequence is moved past
    /// them, so rows the server inserts meanwhile, and after, never collide with seeded ones.
    /// </summary>
    async Task<long> ReserveAsync(DbConnection c, DbTransaction tx, string table, int count)
    {
        var max = await c.ExecuteScalarAsync<long>($"SELECT COALESCE(MAX(id), 0) FROM {table}", transaction: tx);
        if (!db.IsPostgres)
            return max + 1;
        var next = await c.ExecuteScalarAsync<long>($"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))", transaction: tx);
        var first = Math.Max(next, max + 1);
        await c.ExecuteAsync($"SELECT setval(pg_get_serial_sequence('{table}', 'id'), @last)", new { last = first + Math.Max(count, 1) - 1 }, tx);
        return first;
    }

    async Task AnalyzeAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        // Fresh statistics let both planners pick the keyset indexes; without them SQLite guesses from the schema alone.
        // VACUUM also sets PostgreSQL's visibility map, without which index-only scans visit the heap for every row
        // until autovacuum comes round (33,000 heap fetches for one observable filter, measured).
        await c.ExecuteAsync(db.IsPostgres
            ? "VACUUM (ANALYZE) alerts, alert_tags, alert_observables, cases, case_tags, case_observables, case_timeline"
            : "ANALYZE main", commandTimeout: 3600);
    }

    static IEnumerable<(long At, string Kind, string Message, string Actor)> Timeline(SeedCase c, CaseLinks.Result links, IReadOnlyList<(long Id, string Username)> analysts)
    {
        yield return (c.CreatedAt, "case.created", $"Case #{c.Number} created", c.CreatedBy);
        foreach (var l in links.Alerts)
            yield return (l.At, "alert.linked", $"Alert {l.AlertId} ({l.Source}/{l.SourceRef}) linked with {l.Added} new observable(s)", c.CreatedBy);
        if (c.AssigneeId is { } assignee)
            yield return (c.CreatedAt + 60_000, "case.assignee", $"Assigned to {analysts.First(a => a.Id == assignee).Username}", c.CreatedBy);
        if (c.Status != Cases.CaseStatus.New)
            yield return (c.CreatedAt + 120_000, "case.status", $"Status {Cases.CaseStatus.New} → {Cases.CaseStatus.InProgress}", c.CreatedBy);
        if (c.Status == Cases.CaseStatus.Resolved)
            yield return (c.ResolvedAt!.Value, "case.status", $"Status {Cases.CaseStatus.InProgress} → {Cases.CaseStatus.Resolved} ({c.Resolution})", c.CreatedBy);
    }

    static string DisplayName(string username) =>
        string.Join(' ', username.Split('.').Select(p => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(p)));
}
