using System.Globalization;
using Quell.Audit;
using Quell.Identity;
using Spectre.Console;

namespace Quell.Server.Cli.Admin;

/// <summary>`quell apikey create`: an API key for a user in one organisation, shown once.</summary>
public sealed class ApiKeyVerbs(Terminal terminal, ServeSettings settings)
{
    public const string DefaultName = "cli";

    /// <summary>
    /// Prints the key alone on stdout (so `KEY=$(quell apikey create bot)` works) and what it is on stderr.
    /// </summary>
    public Task<int> CreateAsync(string username, string? name = null, string organisation = Bootstrap.DefaultOrganisation, CancellationToken ct = default) =>
        terminal.RunAsync(async () =>
        {
            name = string.IsNullOrWhiteSpace(name) ? DefaultName : name.Trim();
            if (name.Length > 128)
                throw new CliFailure(ExitCodes.Usage, "--name must be at most 128 characters");
            return await AdminVerb.RunAsync(terminal, settings, async store =>
            {
                var secret = ApiKeys.NewSecret();
                var (keyId, user) = await store.Db.WriteAsync(async (c, tx) =>
                {
                    var org = await IdentityStore.FindOrganisationAsync(c, organisation, tx)
                        ?? throw await UserVerbs.OrganisationNotFoundAsync(c, tx, organisation);
                    var account = await IdentityStore.FindUserAsync(c, username, tx)
                        ?? throw new CliFailure(ExitCodes.NotFound, $"user '{IdentityStore.NormalizeUsername(username)}' does not exist",
                            ["create it first with `quell user add USERNAME --role ROLE`"]);
                    if (await IdentityStore.GetMemberAsync(c, org.Id, account.Id, tx) is null)
                        throw new CliFailure(ExitCodes.NotFound, $"user '{account.Username}' is not a member of organisation '{org.Name}'");
                    if (account.Disabled)
                        throw new CliFailure(ExitCodes.Failed, $"user '{account.Username}' is disabled: the server would refuse any key of theirs");
                    var id = await store.ApiKeys.CreateAsync(c, tx, account.Id, org.Id, name, secret);
                    await store.Audit.AppendAsync(c, tx, new AuditEntry(org.Id, AdminStore.Actor, "apikey.create", "apikey", id.ToString(CultureInfo.InvariantCulture),
                        null, new { userId = account.Id, name }));
                    return (id, account.Username);
                }, ct);

                terminal.WriteRaw(secret);
                terminal.Error.MarkupLine($"created API key {keyId} '{SafeText.Markup(name)}' for user {SafeText.Markup(user)} in organisation {SafeText.Markup(organisation)}");
                terminal.Error.MarkupLine("[yellow]Store it now: it is not shown again.[/]");
                return ExitCodes.Success;
            }, ct);
        });
}
