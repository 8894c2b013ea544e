using System.Text;
using Quell.Intel.Feeds.Formats;

namespace Quell.Tests.Intel.Feeds.Formats;

/// <summary>
/// The byte line reader against the obvious model (decode everything, split at '\n', drop a '\r' before it), on
/// streams that hand out a few bytes per read so lines and CRLF pairs straddle every kind of read boundary.
/// </summary>
public sealed class BoundedLinesTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task Random_ascii_lines_read_as_the_split_text_whatever_the_read_sizes(int chunk)
    {
        var random = new Random(chunk);
        const int maxLine = 16;
        for (var round = 0; round < 200; round++)
        {
            var text = new StringBuilder();
            var lines = random.Next(0, 12);
            for (var l = 0; l < lines; l++)
            {
                var length = random.Next(0, 40);
                for (var i = 0; i < length; i++)
                    text.Append("ab#. \r"[random.Next(6)]);
                if (l < lines - 1 || random.Next(2) == 0)
                    text.Append(random.Next(3) == 0 ? "\r\n" : "\n");
            }

            var read = await ReadAsync(Encoding.ASCII.GetBytes(text.ToString()), chunk, maxLine);

            Assert.Equal(Model(text.ToString(), maxLine), read);
        }
    }

    [Fact]
    public async Task A_utf8_byte_order_mark_is_skipped_and_multibyte_characters_survive_read_boundaries()
    {
        var text = "dömäin.example\r\nhttps://ü.example/日本\n";
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)];

        Assert.Equal(Model(text, 100), await ReadAsync(bytes, 1, 100));
    }

    [Theory]
    [InlineData("utf-16")]
    [InlineData("utf-16BE")]
    [InlineData("utf-32")]
    public async Task A_utf16_or_utf32_file_with_its_byte_order_mark_is_decoded(string encoding)
    {
        var text = "192.0.2.1\r\nexample.com\n";
        var e = Encoding.GetEncoding(encoding);
        byte[] bytes = [.. e.GetPreamble(), .. e.GetBytes(text)];

        Assert.Equal(Model(text, 100), await ReadAsync(bytes, 5, 100));
    }

    [Fact]
    public async Task Invalid_utf8_reads_as_replacement_characters()
    {
        byte[] bytes = [(byte)'a', 0xFF, (byte)'b', (byte)'\n', 0xC3];

        Assert.Equal([(1L, "a\uFFFDb", false), (2L, "\uFFFD", false)], await ReadAsync(bytes, 2, 100));
    }

    [Fact]
    public async Task A_line_longer_than_the_buffer_is_cut_reported_once_and_the_next_line_is_read()
    {
        var text = "first\n" + new string('x', 300_000) + "\r\nlast";

        var read = await ReadAsync(Encoding.ASCII.GetBytes(text), 10_000, 1000);

        Assert.Equal([(1L, "first", false), (2L, new string('x', 1000), true), (3L, "last", false)], read);
    }

    [Fact]
    public async Task A_long_last_line_without_newline_is_cut() =>
        Assert.Equal([(1L, new string('y', 8), true)], await ReadAsync(Encoding.ASCII.GetBytes(new string('y', 50)), 3, 8));

    /// <summary>What the reader must return: lines of the decoded text, the last one only when not empty.</summary>
    static List<(long, string, bool)> Model(string text, int maxLine)
    {
        var parts = text.Split('\n').ToList();
        if (parts[^1].Length == 0)
            parts.RemoveAt(parts.Count - 1);
        return [.. parts.Select((p, i) =>
        {
            var line = p.EndsWith('\r') ? p[..^1] : p;
            return ((long)(i + 1), line.Length > maxLine ? line[..maxLine] : line, line.Length > maxLine);
        })];
    }

    static async Task<List<(long, string, bool)>> ReadAsync(byte[] bytes, int chunk, int maxLine)
    {
        var lines = new List<(long, string, bool)>();
        await foreach (var line in BoundedLines.ReadAsync(new TrickleStream(bytes, chunk), default, maxLine))
            lines.Add((line.Number, line.Text, line.TooLong));
        return lines;
    }

    /// <summary>A stream that returns at most <paramref name="chunk"/> bytes per read, as a slow network does.</summary>
    sealed class TrickleStream(byte[] bytes, int chunk) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], ct);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            base.ReadAsync(buffer, offset, Math.Min(count, chunk), ct);
    }
}
