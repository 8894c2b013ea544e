using System.Data.Common;
using System.Globalization;
using Dapper;
using Quell.Audit;
using Quell.Identity;
using Spectre.Console;

namespace Quell.Server.Cli.Admin;

/// <summary>What `quell user add` creates.</summary>
public sealed record NewUserRequest(string Username, string Role, string? Password = null, string? DisplayName = null,
    string Organisation = Bootstrap.DefaultOrganisation);

/// <summary>`quell user add`: creates a user with a role in one organisation, directly in the store.</summary>
public sealed class UserVerbs(Terminal terminal, ServeSettings settings)
{
    public Task<int> AddAsync(NewUserRequest request, CancellationToken ct = default) => terminal.RunAsync(async () =>
    {
        var username = IdentityStore.NormalizeUsername(request.Username);
        if (!UserEndpoints.ValidUsername(username))
            throw new CliFailure(ExitCodes.Usage, $"username '{request.Username}' is not valid: use 1-64 letters, digits, '.', '_', '-' or '@'");
        if (!Roles.TryParse(request.Role, out var role))
            throw new CliFailure(ExitCodes.Usage, $"--role '{request.Role}' is not a role; use one of {Roles.AllowedList}");
        var displayName = string.IsNullOrWhiteSpace(request.DisplayName) ? username : request.DisplayName.Trim();
        if (displayName.Length > 256)
            throw new CliFailure(ExitCodes.Usage, "--display-name must be at most 256 characters");

        return await AdminVerb.RunAsync(terminal, settings, async store =>
        {
            if (request.Password is not null && store.Identity.CheckPasswordStrength(request.Password) is { } weak)
                throw new CliFailure(ExitCodes.Usage, $"--password is too weak: {weak}");
            var generated = request.Password is null ? Bootstrap.GeneratePassword() : null;
            var (id, organisation) = await store.Db.WriteAsync(async (c, tx) =>
            {
                var org = await IdentityStore.FindOrganisationAsync(c, request.Organisation, tx)
                    ?? throw await OrganisationNotFoundAsync(c, tx, request.Organisation);
                if (await IdentityStore.FindUserAsync(c, username, tx) is not null)
                    throw new CliFailure(ExitCodes.Failed, $"a user named '{username}' already exists; choose another username",
                        ["to give an existing user a role in another organisation, use POST /api/v1/organisations/{id}/members"]);
                var userId = await store.Identity.CreateUserAsync(c, tx, username, displayName, request.Password ?? generated, platformAdmin: false)
                    ?? throw new CliFailure(ExitCodes.Failed, $"a user named '{username}' already exists; choose another username");
                await IdentityStore.SetMembershipAsync(c, tx, userId, org.Id, role);
                await store.Audit.AppendAsync(c, tx, new AuditEntry(org.Id, AdminStore.Actor, "user.create", "user", userId.ToString(CultureInfo.InvariantCulture),
                    null, new { username, role = Roles.Name(role), organisation = org.Name }));
                return (userId, org.Name);
            }, ct);

            terminal.Out.MarkupLine($"created user [bold]{SafeText.Markup(username)}[/] (id {id}) with role [bold]{Roles.Name(role)}[/] in organisation {SafeText.Markup(organisation)}");
            if (generated is not null)
            {
                terminal.Out.MarkupLine($"password: [bold]{SafeText.Markup(generated)}[/]");
                terminal.Out.MarkupLine("[yellow]It is shown only this once; the user can change it after signing in.[/]");
            }
            return ExitCodes.Success;
        }, ct);
    });

    /// <summary>A missing organisation, with the ones that exist so the user can pick.</summary>
    internal static async Task<CliFailure> OrganisationNotFoundAsync(DbConnection c, DbTransaction tx, string name)
    {
        var existing = (await c.QueryAsync<string>("SELECT name FROM organisations ORDER BY name LIMIT 20", transaction: tx)).AsList();
        return new CliFailure(ExitCodes.NotFound, $"organisation '{name}' does not exist",
            [existing.Count == 0
                ? "the store has no organisation yet: start `quell serve` once on it to create 'default' and the admin user"
                : $"organisations: {string.Join(", ", existing)}; choose one with --organisation"]);
    }
}
