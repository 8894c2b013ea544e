using Quell.Intel.Feeds.Formats;

namespace Quell.Tests.Intel.Feeds.Formats;

public sealed class FeedReadersTests
{
    [Fact]
    public void Every_contract_format_but_stix_and_taxii_has_exactly_one_reader() =>
        Assert.Equal(
            new[] { "csv", "feodo", "freetext", "misp", "misp-instance", "phishtank", "threatfox", "urlhaus" },
            FeedReaders.All(TimeProvider.System).Select(r => r.Format).Order(StringComparer.Ordinal));
}
