using System.Globalization;
using Quell.Alerts;
using Quell.Cases;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Server.Ui.Alerts;

/// <summary>
/// The queue's and the alert page's actions on one or more alerts, each in one transaction through the same store
/// methods as the API's endpoints (promote, merge, read/unread/ignore/unignore), with their audit entries. The caller
/// has checked permissions; a refusal here is about the data (nothing selected, unknown case, already linked) and is
/// answered 400 or 409 with the page, never 404 (that status would replace the page with the not-found page).
/// </summary>
public static class AlertBulk
{
    public const int MaxAlerts = 500;

    public sealed record Outcome(string Done, int Count, (long Id, long Number)? Case, string? Error = null, string? Field = null, int Status = 200)
    {
        public static Outcome Fail(string error, string field, int status = 400) => new("", 0, null, error, field, status);
    }

    public static async Task<Outcome> RunAsync(Db db, AlertStore store, Caller caller, string? action, IReadOnlyList<long> ids, string? caseNumber, long now, CancellationToken ct)
    {
        if (action is not ("promote" or "merge" or "read" or "unread" or "ignore" or "unignore" or "reopen"))
            return Outcome.Fail("Choose an action: promote, merge, mark read, mark unread, ignore or reopen.", "action");
        if (ids.Count == 0)
            return Outcome.Fail("Select at least one alert (x selects the current row).", "ids");
        if (ids.Count > MaxAlerts)
            return Outcome.Fail($"Select at most {MaxAlerts} alerts at once.", "ids");
        long number = 0;
        if (action == "merge" &&
            !(long.TryParse(caseNumber?.Trim().TrimStart('#'), NumberStyles.Integer, CultureInfo.InvariantCulture, out number) && number > 0))
            return Outcome.Fail("Enter the number of the case to merge into, e.g. 12.", "caseNumber");
        try
        {
            return await db.WriteAsync(async (c, tx) =>
            {
                switch (action)
                {
                    case "promote":
                        var created = await store.PromoteTogetherAsync(c, tx, caller.OrgId, ids, caller.Actor, now);
                        return new Outcome(action, ids.Distinct().Count(), created);
                    case "merge":
                        var target = await CaseStore.GetRowByNumberAsync(c, caller.OrgId, number, tx);
                        if (target is null)
                            return Outcome.Fail($"Case #{number} does not exist.", "caseNumber");
                        var alerts = new List<AlertRow>();
                        foreach (var id in ids.Distinct())
                            alerts.Add(await AlertStore.GetRowAsync(c, caller.OrgId, id, tx) ?? throw new KeyNotFoundException($"alert {id} does not exist"));
                        foreach (var alert in alerts)
                            await store.MergeIntoAsync(c, tx, alert, await CaseStore.GetRowAsync(c, caller.OrgId, target.Id, tx) ?? target, caller.Actor, now);
                        return new Outcome(action, alerts.Count, (target.Id, target.Number));
                    default:
                        var flag = Enum.Parse<AlertFlag>(action, ignoreCase: true);
                        var count = 0;
                        foreach (var id in ids.Distinct())
                            count += await store.SetFlagAsync(c, tx, caller.OrgId, id, flag, caller.Actor, now) ? 1 : 0;
                        return new Outcome(action, count, null);
                }
            }, ct);
        }
        catch (AlertLinkedException e)
        {
            return Outcome.Fail($"Nothing changed: {e.Message}. Merge it from its case or unselect it.", "ids", 409);
        }
        catch (KeyNotFoundException e)
        {
            return Outcome.Fail($"Nothing changed: {e.Message}.", "ids");
        }
    }
}
