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

    static readonly Option<string?> SigmaRules = new("--sigma-rules")
    {
        Description = "Directory of Sigma rules (a SigmaHQ checkout) matched against every event at ingest; matches raise quell-sigma alerts (env QUELL_SIGMA_RULES)",
    };

    static readonly Option<string?> SigmaMinLevel = new("--sigma-min-level")
    {
        Description = "Enable only Sigma rules of this level or higher: informational, low, medium, high, critical (env QUELL_SIGMA_MIN_LEVEL, configuration Detection:Sigma:MinLevel)",
    };

    static readonly Option<string?> SigmaStatus = new("--sigma-status")
    {
        Description = "Enable only Sigma rules with one of these statuses, comma-separated, e.g. stable,test (env QUELL_SIGMA_STATUS, configuration Detection:Sigma:Status)",
    };

    static readonly Option<string?> SigmaTags = new("--sigma-tag")
    {
        Description = "Enable only Sigma rules with one of these tags, comma-separated, e.g. attack.t1059 (env QUELL_SIGMA_TAGS, configuration Detection:Sigma:Tags)",
    };

    static readonly Option<string?> CortexAnalyzers = new("--cortex-analyzers")
    {
        Description = "Directory of Cortex analyzers and responders (a TheHive-Project/Cortex-Analyzers checkout) run unmodified; several separated by " +
            "the path separator (env QUELL_CORTEX_ANALYZERS, configuration Enrichment:Cortex:Directories)",
    };

    static readonly Option<string?> SyslogTcp = new("--syslog-tcp")
    {
        Description = "Receive syslog over TCP on HOST:PORT, e.g. 0.0.0.0:601 (RFC 6587 octet counting or newline framing; env QUELL_SYSLOG_TCP, " +
            "configuration Syslog:Tcp; default: off)",
    };

    static readonly Option<string?> SyslogUdp = new("--syslog-udp")
    {
        Description = "Receive syslog over UDP on HOST:PORT, e.g. 0.0.0.0:514 (env QUELL_SYSLOG_UDP, configuration Syslog:Udp; default: off)",
    };

    static readonly Option<string?> SyslogTlsCert = new("--syslog-tls-cert")
    {
        Description = "Certificate (PEM with its key, or PFX/P12) that makes the TCP syslog receiver speak TLS (RFC 5425); password in " +
            "QUELL_SYSLOG_TLS_PASSWORD (env QUELL_SYSLOG_TLS_CERT, configuration Syslog:TlsCertificate)",
    };

    static readonly Option<string?> SyslogTlsKey = new("--syslog-tls-key")
    {
        Description = "PEM private key of --syslog-tls-cert when it is in a file of its own (env QUELL_SYSLOG_TLS_KEY, configuration Syslog:TlsKey)",
    };

    public static Command Create()
    {
        var cmd = new Command("serve", "Run the API, the web UI and the background workers") { Urls, CommonOptions.Data, CommonOptions.Db, Warninglists, FeedDirectories,
            SyslogTcp, SyslogUdp, SyslogTlsCert, SyslogTlsKey, SigmaRules, SigmaMinLevel, SigmaStatus, SigmaTags, CortexAnalyzers };
        cmd.SetAction(async (r, ct) =>
        {
            WebApplication app;
            try
            {
                var settings = Settings(r);
                if (settings.Syslog?.Validate() is { } syslogProblem)
                    return Terminal.System.Report(new CliFailure(ExitCodes.Usage, syslogProblem));
                if (settings.SigmaSelection?.Validate() is { } sigmaProblem)
                    return Terminal.System.Report(new CliFailure(ExitCodes.Usage, sigmaProblem));
                app = QuellHost.Build(settings);
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
        var cortex = r.GetValue(CortexAnalyzers) ?? Env("QUELL_CORTEX_ANALYZERS");
        var syslog = new SyslogSettings(
            r.GetValue(SyslogTcp) ?? Env("QUELL_SYSLOG_TCP"),
            r.GetValue(SyslogUdp) ?? Env("QUELL_SYSLOG_UDP"),
            r.GetValue(SyslogTlsCert) ?? Env("QUELL_SYSLOG_TLS_CERT"),
            r.GetValue(SyslogTlsKey) ?? Env("QUELL_SYSLOG_TLS_KEY"),
            Env("QUELL_SYSLOG_TLS_PASSWORD"));
        var sigmaSelection = new SigmaSelectionSettings(
            r.GetValue(SigmaMinLevel) ?? Env("QUELL_SIGMA_MIN_LEVEL"), r.GetValue(SigmaStatus) ?? Env("QUELL_SIGMA_STATUS"), r.GetValue(SigmaTags) ?? Env("QUELL_SIGMA_TAGS"));
        return CommonOptions.Settings(r, urls) with
        {
            SigmaSelection = sigmaSelection is { MinLevel: null, Status: null, Tags: null } ? null : sigmaSelection,
            Syslog = syslog.IsEmpty ? null : syslog,
            SigmaRules = r.GetValue(SigmaRules) ?? Env("QUELL_SIGMA_RULES"),
            Warninglists = string.IsNullOrWhiteSpace(warninglists) ? null : warninglists,
            CortexAnalyzers = cortex?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            FeedDirectories = string.IsNullOrWhiteSpace(feedDirectories)
                ? null
                : feedDirectories.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        };
    }

    static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}
