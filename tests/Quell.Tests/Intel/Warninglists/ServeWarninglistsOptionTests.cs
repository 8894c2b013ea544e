using Quell.Server.Cli;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Warninglists;

public sealed class ServeWarninglistsOptionTests
{
    [Fact]
    public void The_serve_option_sets_the_warninglists_directory()
    {
        var dir = TestData.Shared("warninglists");
        var settings = ServeCommand.Settings(ServeCommand.Create().Parse(["--warninglists", dir]));
        Assert.Equal(dir, settings.Warninglists);
    }

    [Fact]
    public async Task A_missing_directory_stops_serve_with_a_usage_error_before_anything_starts()
    {
        var missing = Path.Combine(Path.GetTempPath(), "quell-no-such-warninglists-" + Guid.NewGuid().ToString("N"));
        var code = await ServeCommand.Create().Parse(["--warninglists", missing, "--urls", "http://127.0.0.1:0"]).InvokeAsync();
        Assert.Equal(ExitCodes.Usage, code);
    }
}
