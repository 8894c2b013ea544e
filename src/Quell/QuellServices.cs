using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Quell.Alerts;
using Quell.Audit;
using Quell.Cases;
using Quell.Enrichment;
using Quell.Enrichment.Cortex;
using Quell.Events;
using Quell.Events.Syslog;
using Quell.Identity;
using Quell.Intel.Export;
using Quell.Intel.Feeds;
using Quell.Intel.Flagging;
using Quell.Intel.Indicators;
using Quell.Intel.Matching;
using Quell.Intel.Taxii;
using Quell.Intel.Warninglists;
using Quell.Jobs;
using Quell.Scoring;
using Quell.Storage;

namespace Quell;

/// <summary>Composition of the platform's capabilities: services in, endpoints out. Each capability adds one line here.</summary>
public static class QuellServices
{
    public const string AuthScheme = "quell";

    public static IServiceCollection AddQuell(this IServiceCollection services, StoreOptions store)
    {
        services.AddSingleton(store);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => Db.Create(sp.GetRequiredService<StoreOptions>()));
        services.AddSingleton<Migrator>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<JobQueue>();
        services.AddHostedService<JobWorkerHost>();
        services.AddOptions<JobWorkerOptions>().BindConfiguration("Jobs");
        services.AddOptions<Identity.IdentityOptions>();
        services.AddSingleton<IdentityStore>();
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<UserAdmin>();
        services.AddSingleton<Quell.Cases.CaseTemplateWrites>();
        services.AddSingleton<Bootstrap>();
        services.AddSingleton<AlertStore>();
        services.AddSingleton<IndicatorStore>();
        services.AddSingleton<Intel.IIndicatorImport>(sp => sp.GetRequiredService<IndicatorStore>());
        services.AddIntelFeeds();
        services.PostConfigure<Intel.Feeds.Fetching.FeedFetchOptions>(o => o.ProtectedDirectories.Add(Path.GetFullPath(store.DataDirectory)));
        services.AddWarninglists();
        services.AddOptions<TaxiiOptions>().BindConfiguration("Taxii");
        services.AddSingleton<Intel.Matching.IntelIndex>();
        services.AddSingleton<Intel.IStoredIndicators>(sp => sp.GetRequiredService<Intel.Matching.IntelIndex>());
        services.AddHostedService(sp => sp.GetRequiredService<Intel.Matching.IntelIndex>());
        services.AddSingleton<Intel.Flagging.IntelFlagger>();
        services.AddHostedService(sp => sp.GetRequiredService<Intel.Flagging.IntelFlagger>());
        services.AddOptions<Events.EventOptions>().BindConfiguration("Events")
            .Validate(o => o.MaxPendingRelated is >= 1 and <= 10_000_000, "Events:MaxPendingRelated must be from 1 to 10,000,000 related values")
            .Validate(o => o.MaxPendingTimes is >= 1 and <= 10_000_000, "Events:MaxPendingTimes must be from 1 to 10,000,000 events").ValidateOnStart();
        services.AddOptions<Events.Receivers.ElasticOptions>().BindConfiguration("Events:Elastic");
        services.AddSingleton<Events.EventStore>();
        services.AddOptions<Detection.DetectionOptions>().BindConfiguration("Detection");
        services.AddSingleton<Detection.SigmaRuleSet>();
        services.AddSingleton<Detection.RetroHunt>();
        services.AddOptions<Events.Assets.SilenceOptions>().BindConfiguration("Events:Silence");
        services.AddSingleton<Events.Assets.SilenceWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<Events.Assets.SilenceWatch>());
        services.AddHostedService(sp => sp.GetRequiredService<Detection.RetroHunt>());
        services.AddSingleton<Events.IEventSink, Detection.DetectingEventSink>();
        services.AddSingleton<Events.EventSearch>();
        services.AddSingleton<Events.IngestTokens>();
        services.AddHostedService<Events.EventRetentionHost>();
        services.AddSyslogReceivers();
        services.AddEnrichment();
        services.AddOptions<Files.FileOptions>().BindConfiguration("Files").Validate(o => o.MaxBytes is > 0 and <= int.MaxValue - (1 << 20), "Files:MaxBytes must be from 1 byte to 2 GiB − 1 MiB").ValidateOnStart();
        services.AddScoring();

        services.AddDataProtection().SetApplicationName("quell");
        services.AddSingleton<DataProtectionKeyStore>();
        services.AddOptions<KeyManagementOptions>()
            .Configure<DataProtectionKeyStore>((o, keys) => o.XmlRepository = keys);
        services.AddAntiforgery(o => o.HeaderName = "X-CSRF-TOKEN");
        services.AddAuthentication(AuthScheme)
            .AddPolicyScheme(AuthScheme, "API key or session", o => o.ForwardDefaultSelector = ctx =>
                ApiKeyAuthenticationHandler.HasKey(ctx.Request)
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            {
                o.Cookie.Name = "quell.session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.Events.OnValidatePrincipal = SessionValidator.ValidateAsync;
                // The API answers with status codes, never with redirects to a login page; web UI pages send the
                // browser to the login page, and back afterwards.
                o.LoginPath = "/login";
                o.Events.OnRedirectToLogin = ctx =>
                {
                    if (IsPageRequest(ctx.Request))
                        ctx.Response.Redirect(ctx.RedirectUri);
                    else
                        ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                };
                o.Events.OnRedirectToAccessDenied = ctx => { ctx.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; };
            });
        services.AddAuthorization(EndpointPermissions.AddPermissionPolicies);
        return services;
    }

    /// <summary>
    /// A browser asking for a web UI page (not the API, not a static file, not a script's fetch: quell.js polls /ui/...
    /// and wants a status code, not a login page).
    /// </summary>
    static bool IsPageRequest(HttpRequest r) =>
        HttpMethods.IsGet(r.Method) && !r.Path.StartsWithSegments("/api") && !r.Path.StartsWithSegments("/openapi") &&
        !r.Path.StartsWithSegments("/ui") &&
        !r.Path.StartsWithSegments("/taxii2") && !ApiKeyAuthenticationHandler.HasKey(r);

    public static IEndpointRouteBuilder MapQuell(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", async (Db db, CancellationToken ct) =>
                await db.PingAsync(ct)
                    ? Results.Ok(new { status = "ok", store = db.Dialect.ToString() })
                    : Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Store unreachable", detail: $"{db.Description} does not answer"))
            .Public().WithTags("Health").WithSummary("200 when the store answers, 503 otherwise");
        app.MapIdentityEndpoints();
        app.MapUserEndpoints();
        app.MapAlertEndpoints();
        app.MapIntelIndicatorEndpoints();
        app.MapCaseEndpoints();
        app.MapAuditEndpoints();
        app.MapJobEndpoints();
        app.MapFeedEndpoints();
        app.MapWarninglistEndpoints();
        app.MapIntelLookupEndpoints();
        app.MapIndicatorMatchEndpoints();
        app.MapIntelExportEndpoints();
        app.MapTaxiiEndpoints();
        app.MapTaxiiCollectionEndpoints();
        app.MapEventEndpoints();
        app.MapHecEndpoints();
        Events.Assets.AssetEndpoints.MapAssetEndpoints(app);
        Events.Receivers.ElasticEndpoints.MapElasticEndpoints(app);
        Events.Receivers.OtlpEndpoints.MapOtlpEndpoints(app);
        app.MapAnalyzerEndpoints();
        app.MapAnalyzeEndpoints();
        Files.FileEndpoints.MapFileEndpoints(app);
        app.MapCortexEndpoints();
        app.MapResponderEndpoints();
        Scoring.ScoreEndpoints.MapScoreEndpoints(app);
        return app;
    }

    /// <summary>
    /// Session cookies are sent by browsers automatically, so state-changing API calls authenticated by cookie must
    /// carry the antiforgery token (X-CSRF-TOKEN, from login or /me). API-key calls are not exposed to CSRF.
    /// </summary>
    public static IApplicationBuilder UseCookieCsrfCheck(this IApplicationBuilder app) =>
        app.Use(async (ctx, next) =>
        {
            if (!HttpMethods.IsGet(ctx.Request.Method) && !HttpMethods.IsHead(ctx.Request.Method) && !HttpMethods.IsOptions(ctx.Request.Method) &&
                ctx.Request.Path.StartsWithSegments("/api") && !ctx.Request.Path.StartsWithSegments("/api/v1/login") && Caller.FromPrincipal(ctx.User)?.AuthMethod == "cookie")
            {
                var antiforgery = ctx.RequestServices.GetRequiredService<IAntiforgery>();
                if (!await antiforgery.IsRequestValidAsync(ctx))
                {
                    await Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Missing CSRF token",
                        detail: "requests authenticated by the session cookie must send the X-CSRF-TOKEN header returned by /api/v1/login or /api/v1/me").ExecuteAsync(ctx);
                    return;
                }
            }
            await next(ctx);
        });
}
