using System.Text;
using System.Text.Json;
using Quell.Server.Cli.Client;

namespace Quell.Tests.Cli;

public sealed class AlertBatchesTests
{
    static JsonElement Array(int count, int padding = 0) =>
        JsonDocument.Parse("[" + string.Join(',', Enumerable.Range(0, count).Select(i => $"{{\"n\":{i},\"p\":\"{new string('x', padding)}\"}}")) + "]").RootElement;

    [Fact]
    public void Batches_hold_at_most_the_item_limit_and_keep_every_item_in_order()
    {
        var batches = AlertBatches.Split(Array(5), maxItems: 2);

        Assert.Equal([(0, 2), (2, 2), (4, 1)], batches.Select(b => (b.Start, b.Count)));
        var numbers = batches.SelectMany(b => JsonDocument.Parse(b.Body).RootElement.EnumerateArray().Select(e => e.GetProperty("n").GetInt32()));
        Assert.Equal([0, 1, 2, 3, 4], numbers);
    }

    [Fact]
    public void Batches_stay_under_the_byte_limit()
    {
        var batches = AlertBatches.Split(Array(10, padding: 100), maxItems: 1000, maxBytes: 350);

        Assert.All(batches, b => Assert.True(b.Body.Length <= 350, Encoding.UTF8.GetString(b.Body)));
        Assert.Equal(10, batches.Sum(b => b.Count));
        Assert.True(batches.Count > 1);
    }

    [Theory]
    [InlineData("[1].severity must be 1-4", 4, "[5].severity must be 1-4")]
    [InlineData("[0].title is required; [1].observables[2].data must not be empty", 10, "[10].title is required; [11].observables[2].data must not be empty")]
    [InlineData("[1].tlp: [1].tlp is unknown", 2, "[3].tlp: [3].tlp is unknown")]
    [InlineData("[1].severity must be 1-4", 0, "[1].severity must be 1-4")]
    public void Field_paths_are_renumbered_to_their_place_in_the_file(string text, int start, string expected) =>
        Assert.Equal(expected, AlertBatches.Renumber(text, start));
}
