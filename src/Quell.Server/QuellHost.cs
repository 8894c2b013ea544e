using Microsoft.AspNetCore.Http.Features;
using Quell;
using Quell.Http;
using Quell.Identity;
using Quell.Intel.Taxii;
using Quell.Intel.Warninglists;
using Quell.Storage;
using Microsoft.Extensions.Options;
using Quell.Server.Ui;
using Quell.Server.Ui.Cases;
using Scalar.AspNetCore;

namespace Quell.Server;

/// <summary>Settings of `quell serve` (and of the admin verbs that open the store directly).</summary>
/// <param name="Warninglists">A directory of MISP warninglists to load at start; null: only the built-in sanity checks.</param>
/// <param name="FeedDirectories">Directories local feeds may read; null: as configured (Feeds:LocalDirectories), by default any outside the data folder and system directories.</param>
/// <param name="Syslog">Syslog receivers asked for on the command line or in the environment; null: as configured (Syslog:*), by default off.</param>
/// <param name="SigmaRules">A directory of Sigma rules to detect with at ingest; null: as configured (Detection:SigmaRules), by default none.</param>
/// <param name="CortexAnalyzers">Directories of Cortex analyzer and responder flavours (Cortex-Analyzers checkouts); null: as configured (Enrichment:Cortex:Directories).</param>
/// <param name="SigmaSelection">Which Sigma rules are enabled (min level, statuses, tags); each given value overrides Detection:Sigma:*.</param>
public sealed record ServeSettings(string? Urls, string DataDirectory, string? Database, string? Warninglists = null, IReadOnlyList<string>? FeedDirectories = null,
    SyslogSettings? Syslog = null, string? SigmaRules = null, SigmaSelectionSettings? SigmaSelection = null, IReadOnlyList<string>? CortexAnalyzers = null);

/// <summary>`quell serve --sigma-min-level/--sigma-status/--sigma-tag` (and QUELL_SIGMA_*), as text; each given value overrides configuration.</summary>
public sealed record SigmaSelectionSettings(string? MinLevel, string? Status, string? Tags)
{
    /// <summary>The reason the values are not a valid selection, or null.</summary>
    public string? Validate()
    {
        try
        {
            Quell.Detection.Sigma.SigmaRuleSelection.Parse(MinLevel, Status, Tags);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    public void ApplyTo(Quell.Detection.DetectionOptions o)
    {
        o.Sigma.MinLevel = MinLevel ?? o.Sigma.MinLevel;
        o.Sigma.Status = Status ?? o.Sigma.Status;
        o.Sigma.Tags = Tags ?? o.Sigma.Tags;
    }
}

/// <summary>`quell serve --syslog-tcp/--syslog-udp/--syslog-tls-cert/--syslog-tls-key` (and QUELL_SYSLOG_*); each given value overrides configuration.</summary>
public sealed record SyslogSettings(string? Tcp, string? Udp, string? TlsCertificate, string? TlsKey, string? TlsPassword = null)
{
    public bool IsEmpty => Tcp is null && Udp is null && TlsCertificate is null && TlsKey is null && TlsPassword is null;

    /// <summary>Applies the given values over <paramref name="o"/>.</summary>
    public void ApplyTo(Quell.Events.Syslog.SyslogOptions o)
    {
        o.Tcp = Tcp ?? o.Tcp;
        o.Udp = Udp ?? o.Udp;
        o.TlsCertificate = TlsCertificate ?? o.TlsCertificate;
        o.TlsKey = TlsKey ?? o.TlsKey;
        o.TlsPassword = TlsPassword ?? o.TlsPassword;
    }

    /// <summary>What is wrong with these values alone (configuration is checked again at start), or null.</summary>
    public string? Validate()
    {
        var o = new Quell.Events.Syslog.SyslogOptions();
        ApplyTo(o);
        // TLS without a TCP address may still be completed by configuration (Syslog:Tcp); the start checks that.
        if (o.Tcp is null && o.TlsCertificate is not null)
            o.Tcp = "127.0.0.1:0";
        return o.Validate();
    }
}

/// <summary>Builds the one process that serves the API, the web UI and runs the workers. Tests start it the same way.</summary>
public static class QuellHost
{
    public const string DefaultUrls = "http://127.0.0.1:5080";
    public const long MaxRequestBodyBytes = 17L << 20;

    public static WebApplication Build(ServeSettings settings, Action<WebApplicationBuilder>? configure = null)
    {
        // The application name locates the static web assets manifests (quell.staticwebassets.*.json) beside the
        // binaries, also when the host runs inside a test process. The content root is the binaries' folder, not the
        // working directory: a published build finds its wwwroot wherever it is started from (a service manager's
        // working directory is often /), instead of answering every stylesheet and script with an empty 200.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = typeof(QuellHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        // Serves wwwroot and the framework's blazor.web.js from a build output too, not only from a published folder.
        builder.WebHost.UseStaticWebAssets();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        builder.WebHost.UseUrls(settings.Urls ?? DefaultUrls);
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = Quell.Http.StatusProblems.Describe);
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "Quell API";
            doc.Info.Description = "Automated incident response: alerts, cases, identity, audit. Authenticate with `Authorization: Bearer <API key>`.";
            return Task.CompletedTask;
        }));
        // A form field may be as large as the body (the bulk import's text box takes what its file upload takes).
        builder.Services.Configure<FormOptions>(o =>
        {
            o.MultipartBodyLengthLimit = MaxRequestBodyBytes;
            o.ValueLengthLimit = (int)MaxRequestBodyBytes;
        });
        // The case page's file form carries a sample of up to Files:MaxBytes (the API reads its uploads itself).
        builder.Services.AddOptions<FormOptions>().PostConfigure<IOptions<Quell.Files.FileOptions>>((o, files) =>
            o.MultipartBodyLengthLimit = Math.Max(o.MultipartBodyLengthLimit, files.Value.MaxBytes + (1L << 20)));
        if (settings.Warninglists is not null)
            builder.Services.AddWarninglists(WarninglistLoader.Load(settings.Warninglists));
        builder.Services.AddQuell(new StoreOptions { DataDirectory = settings.DataDirectory, Database = settings.Database });
        if (settings.FeedDirectories is { } feedDirectories)
            builder.Services.PostConfigure<Quell.Intel.Feeds.Fetching.FeedFetchOptions>(o => o.LocalDirectories = [.. feedDirectories]);
        if (settings.SigmaRules is { } sigmaRules)
            builder.Services.PostConfigure<Quell.Detection.DetectionOptions>(o => o.SigmaRules = sigmaRules);
        if (settings.SigmaSelection is { } sigmaSelection)
            builder.Services.PostConfigure<Quell.Detection.DetectionOptions>(sigmaSelection.ApplyTo);
        if (settings.CortexAnalyzers?.FirstOrDefault(d => !Directory.Exists(d)) is { } missingCortex)
            throw new DirectoryNotFoundException($"--cortex-analyzers: the directory {missingCortex} does not exist");
        if (settings.CortexAnalyzers is { } cortex)
            builder.Services.PostConfigure<Quell.Enrichment.Cortex.CortexOptions>(o => o.Directories = [.. cortex]);
        if (settings.Syslog is { } syslog)
            builder.Services.PostConfigure<Quell.Events.Syslog.SyslogOptions>(syslog.ApplyTo);
        builder.Services.AddRazorComponents();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseServerTiming();
        app.UseCaseFileFormLimit();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseTaxiiErrors();
        app.UseAuthentication();
        app.UseCookieCsrfCheck();
        app.UseAuthorization();
        app.UseContentSecurityPolicy();
        app.UseAntiforgery();
        app.MapStaticAssets().Public();
        // Pages declare their permission with [PagePermission] or [PublicPage]; the framework's own endpoints next to
        // them (the redirect helper of enhanced navigation) are open, as they are in every Blazor app.
        app.MapRazorComponents<Ui.App>().Add(e =>
        {
            if (!e.Metadata.OfType<Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata>().Any())
                e.Metadata.Add(new PublicEndpoint());
        });
        Ui.Alerts.AlertQueueLive.MapAlertQueueLive(app);
        Ui.Shared.EnrichmentLive.MapEnrichmentLive(app);
        app.MapOpenApi().Public();
        app.MapScalarApiReference("/api/docs", o => o.WithTitle("Quell API")).Public();
        app.MapQuell();
        return app;
    }

    /// <summary>Applies migrations and, on first start, creates the admin user. Returns a password to print once, if generated.</summary>
    public static async Task<string?> InitializeAsync(IServiceProvider services, string? adminPassword, string? bootstrapApiKey, CancellationToken ct = default)
    {
        await services.GetRequiredService<Migrator>().MigrateAsync(ct: ct);
        var outcome = await services.GetRequiredService<Bootstrap>().RunAsync(adminPassword, bootstrapApiKey, ct);
        // QUELL_HEC_TOKEN: an ingest token for the default organisation, created on the first start that sees it.
        await services.GetRequiredService<Quell.Events.IngestTokens>().EnsureFromEnvironmentAsync(Environment.GetEnvironmentVariable("QUELL_HEC_TOKEN"), ct);
        return outcome.GeneratedPassword;
    }
}
