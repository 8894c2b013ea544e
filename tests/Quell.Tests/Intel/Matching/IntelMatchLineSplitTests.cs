using System.Text;
using Quell.Server.Cli;

namespace Quell.Tests.Intel.Matching;

/// <summary>The vectorized line split of <c>quell intel match</c> against splitting the text at '\n' and dropping a '\r' before it.</summary>
public sealed class IntelMatchLineSplitTests
{
    [Fact]
    public void Finds_the_lines_a_plain_split_finds_on_random_blocks()
    {
        var random = new Random(5);
        for (var n = 0; n < 5_000; n++)
        {
            var text = new StringBuilder();
            var length = random.Next(0, 200);
            for (var i = 0; i < length; i++)
                text.Append(random.Next(6) switch { 0 => '\n', 1 => '\r', _ => (char)random.Next('a', 'z' + 1) });
            var block = Encoding.ASCII.GetBytes(text.ToString());

            var lines = new Range[block.Length + 1];
            var count = IntelMatchVerb.SplitLines(block, lines);

            var expected = Expected(text.ToString());
            Assert.True(expected.Count == count, $"block {n}: {expected.Count} lines expected, {count} found");
            for (var i = 0; i < count; i++)
                Assert.Equal(expected[i], Encoding.ASCII.GetString(block.AsSpan(lines[i])));
        }
    }

    static List<string> Expected(string text)
    {
        var parts = text.Split('\n').ToList();
        if (parts[^1].Length == 0)
            parts.RemoveAt(parts.Count - 1); // a final break ends the last line; it does not start another
        return parts.Select(p => p.EndsWith('\r') ? p[..^1] : p).ToList();
    }
}
