using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Quell.Enrichment.Cortex;

namespace Quell.Tests.Support;

/// <summary>
/// Debian's headless Chromium driven by Playwright, one per test run (starting it costs a second). The browser is
/// never downloaded: Playwright talks to /usr/bin/chromium, which the test command installs.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    IPlaywright? _playwright;
    public IBrowser Chromium { get; private set; } = null!;

    /// <summary>Where screenshots of the main pages go (a test artifact; docs/ui.md shows copies).</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: the web UI tests need Debian's chromium package (./test.sh installs it)");
        _playwright = await Playwright.CreateAsync();
        Chromium = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        });
        Directory.CreateDirectory(ScreenshotDirectory);
        Assertions.SetDefaultExpectTimeout(15_000);
    }

    public async Task DisposeAsync()
    {
        if (Chromium is not null)
            await Chromium.CloseAsync();
        _playwright?.Dispose();
    }

    /// <summary>A fresh browser profile (own cookies) pointed at <paramref name="server"/>.</summary>
    public async Task<IPage> NewPageAsync(TestServer server)
    {
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
        });
        // Generous: the first page of a run is rendered by a cold server (JIT), and CI machines are shared.
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Quell.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? AppContext.BaseDirectory;
    }
}

[CollectionDefinition(Name)]
public sealed class UiCollection : ICollectionFixture<Browser>, ICollectionFixture<UiServer>
{
    /// <summary>UI tests share one browser and one server and run one after another (the machine has two cores).</summary>
    public const string Name = "web UI";
}

/// <summary>The server the UI tests use. SQLite: the pages run the same store code the API tests cover on both dialects.</summary>
public sealed class UiServer : SqliteServer, IDisposable
{
    /// <summary>A Cortex checkout (the test workers), so the analyzer admin pages list Cortex analyzers beside the built-in ones.</summary>
    public string CortexRoot { get; } = Enrichment.Cortex.CortexWorkers.Write();

    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Services.Configure<CortexOptions>(o => o.Directories = [CortexRoot]);
    }

    public void Dispose()
    {
        try { Directory.Delete(CortexRoot, recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }
}

public static class PageActions
{
    /// <summary>Signs in through the login form and waits for the page after it.</summary>
    public static async Task SignInAsync(this IPage page, string username, string password)
    {
        await page.GotoAsync("/login");
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.ExpectUrlAsync(url => !url.Contains("/login", StringComparison.Ordinal));
    }

    /// <summary>
    /// Waits until the page's URL satisfies <paramref name="matches"/> and its document has loaded. Not Playwright's
    /// WaitForURLAsync: it checks the URL, then subscribes to navigations, and loses a navigation that lands in between
    /// (playwright-dotnet#3364), which on a loaded CI machine is a timeout although the page is there.
    /// </summary>
    public static async Task ExpectUrlAsync(this IPage page, Func<string, bool> matches, int timeoutMs = 60_000)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!matches(page.Url))
        {
            if (waited.ElapsedMilliseconds > timeoutMs)
                throw new TimeoutException($"the page stayed at {page.Url} for {timeoutMs} ms");
            await Task.Delay(50);
        }
        await page.WaitForFunctionAsync("() => document.readyState === 'complete'", null, new() { Timeout = timeoutMs });
    }

    /// <summary>Runs axe on the page; returns the serious and critical violations, described for an assertion message.</summary>
    public static async Task<IReadOnlyList<string>> SeriousAccessibilityViolationsAsync(this IPage page)
    {
        AxeResult result = await page.RunAxe();
        return result.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Take(3).Select(n => n.Target?.ToString()))}")
            .ToList();
    }

    /// <summary>Saves a full-page screenshot named <paramref name="name"/>.png in the artifacts folder.</summary>
    public static Task ScreenshotAsync(this IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Browser.ScreenshotDirectory, name + ".png"), FullPage = true });
}
