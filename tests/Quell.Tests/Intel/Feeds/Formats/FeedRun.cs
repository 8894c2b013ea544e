using Quell.Intel;
using Quell.Intel.Feeds;
using Quell.Intel.Feeds.Fetching;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Feeds.Formats;

/// <summary>A reader's whole output: the indicators and the item errors, in order.</summary>
public sealed record FeedRun(List<IndicatorRecord> Indicators, List<FeedItemError> Errors)
{
    /// <summary>A sample file in this folder's Samples/ (read in place, not copied to the output).</summary>
    public static string Sample(string name) =>
        Path.Combine(TestData.RepositoryRoot, "tests", "Quell.Tests", "Intel", "Feeds", "Formats", "Samples", name);

    public static Task<FeedRun> ReadFileAsync(IFeedReader reader, string path, params (string Key, string Value)[] options) =>
        ReadAsync(reader, new FeedRequest(path, options.ToDictionary(o => o.Key, o => o.Value)), LocalFeeds.Fetcher(path));

    public static async Task<FeedRun> ReadAsync(IFeedReader reader, FeedRequest request, IFeedFetcher fetcher)
    {
        var run = new FeedRun([], []);
        await foreach (var entry in reader.ReadAsync(request, fetcher, CancellationToken.None))
        {
            if (entry.Indicator is { } indicator)
                run.Indicators.Add(indicator);
            else
                run.Errors.Add(entry.Error!);
        }
        return run;
    }

    /// <summary>A temporary file with the given content, deleted when disposed.</summary>
    public sealed class TempFile : IDisposable
    {
        public string Path { get; }

        /// <param name="content">The file's text.</param>
        /// <param name="extension">The name's ending, e.g. ".json" (readers may look at it).</param>
        public TempFile(string content, string extension = "")
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "quell-feed-" + Guid.NewGuid().ToString("N") + extension);
            File.WriteAllText(Path, content);
        }

        public void Dispose() => File.Delete(Path);
    }
}
