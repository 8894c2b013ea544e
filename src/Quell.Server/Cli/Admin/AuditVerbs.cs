using Spectre.Console;

namespace Quell.Server.Cli.Admin;

/// <summary>`quell audit verify`: recomputes the audit log's hash chain from the store itself.</summary>
public sealed class AuditVerbs(Terminal terminal, ServeSettings settings)
{
    /// <summary>0 when every entry's hash matches and follows the one before it; 1 naming the first entry that does not.</summary>
    public Task<int> VerifyAsync(CancellationToken ct = default) =>
        AdminVerb.RunAsync(terminal, settings, async store =>
        {
            var result = await terminal.Error.Status().StartAsync("verifying the audit chain", _ => store.Audit.VerifyAsync(ct));
            if (result.Valid)
            {
                terminal.Out.MarkupLine($"[green]audit chain valid[/]: {result.Checked} entries checked ({SafeText.Markup(store.Db.Description)})");
                return ExitCodes.Success;
            }
            throw new CliFailure(ExitCodes.Failed, $"audit chain broken at entry {result.FirstBrokenId}: {result.Reason}",
                [$"the {result.Checked} entries before it are intact; compare entry {result.FirstBrokenId} with a backup to see what changed"]);
        }, ct);
}
