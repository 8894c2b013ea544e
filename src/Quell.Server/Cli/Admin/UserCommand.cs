using System.CommandLine;
using Quell.Identity;

namespace Quell.Server.Cli.Admin;

/// <summary>`quell user add`: an admin verb that writes to the store directly (--data / --db, like serve).</summary>
public static class UserCommand
{
    public static Command Create(Terminal? terminal = null)
    {
        var username = new Argument<string>("USERNAME") { Description = "Letters, digits, '.', '_', '-', '@'; stored lower-case" };
        var role = new Option<string>("--role") { Description = $"Role in the organisation: {Roles.AllowedList}", Required = true };
        var password = new Option<string?>("--password") { Description = "Password (at least 10 characters); without it one is generated and printed once" };
        var displayName = new Option<string?>("--display-name") { Description = "Name shown in the UI (default: the username)" };
        var organisation = new Option<string>("--organisation")
        {
            Description = $"Organisation the user joins (default: {Bootstrap.DefaultOrganisation})",
            DefaultValueFactory = _ => Bootstrap.DefaultOrganisation,
        };
        var add = new Command("add", "Create a user with a role in an organisation") { username, role, password, displayName, organisation, CommonOptions.Data, CommonOptions.Db };
        add.SetAction((r, ct) => new UserVerbs(terminal ?? Terminal.System, CommonOptions.Settings(r)).AddAsync(
            new NewUserRequest(r.GetValue(username)!, r.GetValue(role)!, r.GetValue(password), r.GetValue(displayName), r.GetValue(organisation)!), ct));
        return new Command("user", "Manage users directly in the store (no server needed)") { add };
    }
}
