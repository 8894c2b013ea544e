using System.Data.Common;
using Dapper;
using Quell.Storage;

namespace Quell.Intel.Flagging;

/// <summary>
/// The <c>intelMatched</c> filter of the alert and case lists: owners with (true) or without (false) a recorded match of
/// an indicator that is not suppressed and on no warninglist. Read through the (org_id, owner_kind, owner_id) index and
/// planned like the other "has a child row" filters (<see cref="SetFilter"/>). Expiry is a function of the time and is
/// computed when a view is read, not here: an owner whose only match has since expired is still listed.
/// </summary>
public static class IntelFilter
{
    public static async Task<string> ClauseAsync(DbConnection c, Db db, DynamicParameters p, string ownerAlias, string ownerKind, bool matched)
    {
        p.Add("intel_kind", ownerKind);
        var owners = """
            SELECT s.owner_id FROM observable_intel_matches s JOIN indicators i ON i.id = s.indicator_id
            WHERE s.org_id = @org AND s.owner_kind = @intel_kind AND NOT i.suppressed AND (i.warninglists IS NULL OR i.warninglists = '[]')
            """;
        return matched
            ? await SetFilter.OwnersClauseAsync(c, db, p, ownerAlias, owners, "owner_id", "intel_owners")
            : $" AND NOT EXISTS ({owners} AND s.owner_id = {ownerAlias}.id)";
    }
}
