using Quell.Intel.Feeds;
using Quell.Intel.Feeds.Formats;

namespace Quell.Tests.Intel.Feeds.Formats;

/// <summary>Random garbage and near-miss input must give item errors or one feed error, never another exception.</summary>
public sealed class HostileInputTests
{
    const string Alphabet = "ab1.:/\"',;|#{}[]\\ \t\r\n\u0000\u0007é∂http://x.example 192.0.2.1 {\"Event\": [";

    public static TheoryData<string, string> Readers() => new()
    {
        { "freetext", ".txt" }, { "csv", ".csv" }, { "misp", ".json" }, { "phishtank", ".json" }, { "phishtank", ".csv" }, { "urlhaus", ".csv" }, { "feodo", ".csv" },
    };

    [Theory]
    [MemberData(nameof(Readers))]
    public async Task Random_input_yields_entries_or_a_feed_error_and_nothing_else(string format, string extension)
    {
        var reader = FeedReaders.All(TimeProvider.System).Single(r => r.Format == format);
        for (var seed = 0; seed < 40; seed++)
        {
            var random = new Random(seed);
            var text = new string([.. Enumerable.Range(0, random.Next(1, 4096)).Select(_ => Alphabet[random.Next(Alphabet.Length)])]);
            using var file = new FeedRun.TempFile(text, extension);
            try
            {
                var run = await FeedRun.ReadFileAsync(reader, file.Path);
                Assert.All(run.Errors, e => Assert.DoesNotContain('\u0000', e.Message));
            }
            catch (FeedFormatException e)
            {
                Assert.DoesNotContain('\u0000', e.Message);
            }
        }
    }
}
