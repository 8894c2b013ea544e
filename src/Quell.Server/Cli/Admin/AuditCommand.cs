using System.CommandLine;

namespace Quell.Server.Cli.Admin;

/// <summary>`quell audit verify`: an admin verb that reads the store directly (--data / --db, like serve).</summary>
public static class AuditCommand
{
    public static Command Create(Terminal? terminal = null)
    {
        var verify = new Command("verify", "Recompute the audit log's hash chain; exit 1 naming the first entry that was changed or removed")
        {
            CommonOptions.Data, CommonOptions.Db,
        };
        verify.SetAction((r, ct) => new AuditVerbs(terminal ?? Terminal.System, CommonOptions.Settings(r)).VerifyAsync(ct));
        return new Command("audit", "Check the audit log directly in the store (no server needed)") { verify };
    }
}
