using System.Data.Common;
using Spectre.Console;

namespace Quell.Server.Cli.Admin;

/// <summary>What every admin verb does around its own work: open the store, say when it was new, map store errors.</summary>
static class AdminVerb
{
    public static Task<int> RunAsync(Terminal terminal, ServeSettings settings, Func<AdminStore, Task<int>> work, CancellationToken ct) =>
        terminal.RunAsync(async () =>
        {
            await using var store = await AdminStore.OpenAsync(settings, ct: ct);
            if (store.MigrationsApplied > 0)
                terminal.Error.MarkupLine($"[dim]{SafeText.Markup(store.Db.Description)}: applied {store.MigrationsApplied} migrations[/]");
            try
            {
                return await work(store);
            }
            catch (DbException e)
            {
                throw new CliFailure(ExitCodes.Failed, $"the store refused the change: {e.Message}");
            }
        });
}
