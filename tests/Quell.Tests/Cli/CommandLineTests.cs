using System.CommandLine;
using Quell.Server.Cli;
using Quell.Server.Cli.Admin;
using Quell.Server.Cli.Client;
using Quell.Tests.Support;

namespace Quell.Tests.Cli;

/// <summary>The verbs through the real System.CommandLine parser, wired as Program.cs wires them.</summary>
public sealed class CommandLineTests(SqliteServer server) : IClassFixture<SqliteServer>
{
    static RootCommand Root(TestTerminal t) => new("quell")
    {
        AlertCommand.Create(t.Terminal),
        CaseCommand.Create(t.Terminal),
        UserCommand.Create(t.Terminal),
        ApiKeyCommand.Create(t.Terminal),
        AuditCommand.Create(t.Terminal),
    };

    static async Task<int> RunAsync(TestTerminal t, params string[] args)
    {
        var parserOutput = new StringWriter();
        return await ExitCodes.InvokeAsync(Root(t).Parse(args), new InvocationConfiguration { Output = parserOutput, Error = parserOutput });
    }

    [Fact]
    public async Task A_key_made_by_apikey_create_on_the_servers_store_lists_alerts_through_the_api()
    {
        var admin = new TestTerminal();
        Assert.Equal(ExitCodes.Success, await RunAsync(admin, "apikey", "create", "admin", "--name", "from-cli", "--data", server.DataDirectory));
        var key = admin.Out.Trim();

        var list = new TestTerminal();
        var code = await RunAsync(list, "alert", "list", "--url", server.BaseAddress.ToString(), "--api-key", key, "--limit", "5", "--json");

        Assert.True(code == ExitCodes.Success, list.ToString());
        Assert.StartsWith("{", list.Out);
    }

    [Fact]
    public async Task Options_may_come_before_the_subcommand_and_an_unknown_case_exits_not_found()
    {
        var t = new TestTerminal();
        var code = await RunAsync(t, "case", "--url", server.BaseAddress.ToString(), "--api-key", TestServer.AdminKey, "show", "424242");

        Assert.Equal(ExitCodes.NotFound, code);
        Assert.Contains("case number 424242 does not exist", t.Error);
    }

    [Theory]
    [InlineData("case", "show", "not-a-number")]
    [InlineData("alert", "list", "--limit", "many")]
    [InlineData("user", "add", "someone")]
    [InlineData("alert", "frobnicate")]
    public async Task Bad_arguments_exit_with_the_usage_code(params string[] args)
    {
        Assert.Equal(ExitCodes.Usage, await RunAsync(new TestTerminal(), args));
    }

    [Fact]
    public void Options_win_over_environment_variables_which_win_over_defaults()
    {
        var env = new Dictionary<string, string?> { ["QUELL_URL"] = "http://env:1", ["QUELL_API_KEY"] = "qk_env" };

        Assert.Equal(new ClientSettings("http://opt:2", "qk_opt"), ClientOptions.Resolve("http://opt:2", "qk_opt", k => env.GetValueOrDefault(k)));
        Assert.Equal(new ClientSettings("http://env:1", "qk_env"), ClientOptions.Resolve(null, " ", k => env.GetValueOrDefault(k)));
        Assert.Equal(new ClientSettings(ClientOptions.DefaultUrl, null), ClientOptions.Resolve(null, null, _ => null));
    }
}
