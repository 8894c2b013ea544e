using System.CommandLine;
using Spectre.Console;

namespace Quell.Server.Cli;

public static class ServeCommand
{
    static readonly Option<string?> Urls = new("--urls")
    {
        Description = $"Addresses to listen on, separated by ';' (env ASPNETCORE_URLS; default {QuellHost.DefaultUrls})",
    };

    public static Command Create()
    {
        var cmd = new Command("serve", "Run the API, the web UI and the background workers") { Urls, CommonOptions.Data, CommonOptions.Db };
        cmd.SetAction(async (r, ct) =>
        {
            var urls = r.GetValue(Urls) ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS");
            var app = QuellHost.Build(CommonOptions.Settings(r, urls));
            var generated = await QuellHost.InitializeAsync(app.Services,
                Environment.GetEnvironmentVariable("QUELL_ADMIN_PASSWORD"), Environment.GetEnvironmentVariable("QUELL_BOOTSTRAP_API_KEY"), ct);
            if (generated is not null)
            {
                AnsiConsole.MarkupLine("[yellow]First start: created user [bold]admin[/] with password[/] [bold]{0}[/]", Markup.Escape(generated));
                AnsiConsole.MarkupLine("[yellow]It is shown only this once. Set QUELL_ADMIN_PASSWORD on first start to choose it.[/]");
            }
            await app.RunAsync(ct);
            return 0;
        });
        return cmd;
    }
}
