using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Quell.Server.Dev;
using Spectre.Console;

namespace Quell.Server.Cli;

/// <summary>`quell dev seed`: fills a store with synthetic alerts and cases for development and benchmarks.</summary>
public static class DevSeedCommand
{
    static readonly Option<int> Alerts = new("--alerts") { Description = "Alerts to create", DefaultValueFactory = _ => 1_000_000 };
    static readonly Option<int> Cases = new("--cases") { Description = "Cases to create (about 10% of alerts are linked to them)", DefaultValueFactory = _ => 100_000 };
    static readonly Option<int> ObservablesPerAlert = new("--observables-per-alert") { Description = "Observables on each alert", DefaultValueFactory = _ => 5 };
    static readonly Option<string> Organisation = new("--organisation") { Description = "Organisation to fill (created if missing)", DefaultValueFactory = _ => "default" };
    static readonly Option<int> RandomSeed = new("--seed") { Description = "Random seed: the same seed gives the same data", DefaultValueFactory = _ => 42 };

    public static Command Create()
    {
        var seed = new Command("seed", "Fill the store with realistic synthetic alerts and cases (not audit-logged; for development and benchmarks)")
        {
            Alerts, Cases, ObservablesPerAlert, Organisation, RandomSeed, CommonOptions.Data, CommonOptions.Db,
        };
        seed.SetAction(RunAsync);
        return new Command("dev", "Developer tools") { seed };
    }

    static async Task<int> RunAsync(ParseResult r, CancellationToken ct)
    {
        var spec = new SeedSpec(r.GetValue(Alerts), r.GetValue(Cases), r.GetValue(ObservablesPerAlert), r.GetValue(Organisation)!, r.GetValue(RandomSeed));
        if (spec.Alerts < 0 || spec.Cases < 0 || spec.ObservablesPerAlert is < 0 or > Quell.Alerts.AlertInput.MaxObservables)
        {
            AnsiConsole.MarkupLine("[red]--alerts and --cases must be 0 or more, --observables-per-alert 0 to 1000[/]");
            return 2;
        }
        await using var app = QuellHost.Build(CommonOptions.Settings(r), b => b.Logging.SetMinimumLevel(LogLevel.Warning));
        var generated = await QuellHost.InitializeAsync(app.Services,
            Environment.GetEnvironmentVariable("QUELL_ADMIN_PASSWORD"), Environment.GetEnvironmentVariable("QUELL_BOOTSTRAP_API_KEY"), ct);
        if (generated is not null)
            AnsiConsole.MarkupLine("[yellow]First start: created user [bold]admin[/] with password[/] [bold]{0}[/]", Markup.Escape(generated));
        var db = app.Services.GetRequiredService<Storage.Db>();
        AnsiConsole.MarkupLine("Seeding {0}: {1:N0} alerts ({2} observables each), {3:N0} cases in organisation [bold]{4}[/]",
            Markup.Escape(db.Description), spec.Alerts, spec.ObservablesPerAlert, spec.Cases, Markup.Escape(spec.Organisation));

        var seeder = ActivatorUtilities.CreateInstance<Seeder>(app.Services);
        var clock = Stopwatch.StartNew();
        SeedResult? result = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>
                {
                    ["alerts"] = ctx.AddTask("alerts", maxValue: Math.Max(1, spec.Alerts)),
                    ["cases"] = ctx.AddTask("cases", maxValue: Math.Max(1, spec.Cases)),
                    ["statistics"] = ctx.AddTask("statistics", maxValue: 1),
                };
                // Progress<T> would post to the thread pool and race the bars; this reports in order, on the seeding thread.
                var progress = new InlineProgress(p => tasks[p.Stage].Value = p.Done);
                result = await seeder.RunAsync(spec, progress, ct);
                foreach (var t in tasks.Values)
                    t.Value = t.MaxValue;
            });
        var seconds = clock.Elapsed.TotalSeconds;
        AnsiConsole.MarkupLine("Seeded {0:N0} alerts ({1:N0} observables) and {2:N0} cases ({3:N0} observables) in {4:N1} s ({5:N0} alerts/s)",
            spec.Alerts, result!.AlertObservables, spec.Cases, result.CaseObservables, seconds, spec.Alerts / Math.Max(seconds, 0.001));
        return 0;
    }

    sealed class InlineProgress(Action<SeedProgress> report) : IProgress<SeedProgress>
    {
        public void Report(SeedProgress value) => report(value);
    }
}
