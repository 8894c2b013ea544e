using System.CommandLine;
using Spectre.Console;

namespace Quell.Server.Cli;

public static class ServeCommand
{
    static readonly Option<string?> Urls = new("--urls")
    {
        Description = $"Addresses to listen on, separated by ';' (env ASPNETCORE_URLS; default {QuellHost.DefaultUrls})",
    };

    static readonly Option<string?> Warninglists = new("--warninglists")
    {
        Description = "Directory of MISP warninglists (a checkout of MISP/misp-warninglists) to load at start (env QUELL_WARNINGLISTS; default: only the built-in sanity checks)",
    };

    static readonly Option<string?> FeedDirectories = new("--feed-directories")
    {
        Description = "Directories local feeds (file:// URLs and paths) may read, separated by ':' (env QUELL_FEED_DIRECTORIES, or configuration " +
            "Feeds:LocalDirectories; default: any file outside the data folder and system directories; \"none\": local feeds are refused)",
    };

    public static Command Create()
    {
        var cmd = new Command("serve", "Run the API, the web UI and the background workers") { Urls, CommonOptions.Data, CommonOptions.Db, Warninglists, FeedDirectories };
        cmd.SetAction(async (r, ct) =>
        {
            WebApplication app;
            try
            {
                app = QuellHost.Build(Settings(r));
            }
            catch (DirectoryNotFoundException e)
            {
                return Terminal.System.Report(new CliFailure(ExitCodes.Usage, e.Message));
            }
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

    /// <summary>The settings a parsed `quell serve` command line (and the environment) gives.</summary>
    public static ServeSettings Settings(ParseResult r)
    {
        var urls = r.GetValue(Urls) ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS");
        var warninglists = r.GetValue(Warninglists) ?? Environment.GetEnvironmentVariable("QUELL_WARNINGLISTS");
        var feedDirectories = r.GetValue(FeedDirectories) ?? Environment.GetEnvironmentVariable("QUELL_FEED_DIRECTORIES");
        return CommonOptions.Settings(r, urls) with
        {
            Warninglists = string.IsNullOrWhiteSpace(warninglists) ? null : warninglists,
            FeedDirectories = string.IsNullOrWhiteSpace(feedDirectories)
                ? null
                : feedDirectories.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        };
    }
}
