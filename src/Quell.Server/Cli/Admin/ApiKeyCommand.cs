using System.CommandLine;
using Quell.Identity;

namespace Quell.Server.Cli.Admin;

/// <summary>`quell apikey create`: an admin verb that writes to the store directly (--data / --db, like serve).</summary>
public static class ApiKeyCommand
{
    public static Command Create(Terminal? terminal = null)
    {
        var username = new Argument<string>("USERNAME") { Description = "The user the key acts as" };
        var name = new Option<string?>("--name") { Description = $"What the key is for, shown in key lists (default: {ApiKeyVerbs.DefaultName})" };
        var organisation = new Option<string>("--organisation")
        {
            Description = $"Organisation the key works in; the user must be a member (default: {Bootstrap.DefaultOrganisation})",
            DefaultValueFactory = _ => Bootstrap.DefaultOrganisation,
        };
        var create = new Command("create", "Create an API key and print it once on stdout") { username, name, organisation, CommonOptions.Data, CommonOptions.Db };
        create.SetAction((r, ct) => new ApiKeyVerbs(terminal ?? Terminal.System, CommonOptions.Settings(r)).CreateAsync(
            r.GetValue(username)!, r.GetValue(name), r.GetValue(organisation)!, ct));
        return new Command("apikey", "Manage API keys directly in the store (no server needed)") { create };
    }
}
