using System.Buffers;
using System.Text;
using Quell.Events.Syslog;

namespace Quell.Tests.Events.Syslog;

public class SyslogFramerTests
{
    /// <summary>A frame as the tests compare it: its text and whether it was cut.</summary>
    public readonly record struct Cut(string Text, bool Truncated, long Length);

    /// <summary>Feeds <paramref name="stream"/> in the given chunk sizes, as a reader would see it arrive, and collects the frames.</summary>
    static List<Cut> Frame(byte[] stream, int maxSize, IEnumerable<int> chunks, bool close = true)
    {
        var framer = new SyslogFramer(maxSize);
        var frames = new List<Cut>();
        var pending = new List<byte>();
        var offset = 0;
        foreach (var size in chunks.Append(int.MaxValue))
        {
            var take = Math.Min(size, stream.Length - offset);
            pending.AddRange(stream.AsSpan(offset, take));
            offset += take;
            var completed = close && offset == stream.Length;
            // Split the pending bytes over two segments, so the framer meets multi-segment sequences too.
            var buffer = Segments(pending.ToArray());
            while (framer.TryRead(ref buffer, completed, out var frame))
                frames.Add(new Cut(Encoding.UTF8.GetString(frame.Data.ToArray()), frame.Truncated, frame.Length));
            var consumed = pending.Count - (int)buffer.Length;
            pending.RemoveRange(0, consumed);
            if (offset == stream.Length)
                break;
        }
        return frames;
    }

    static ReadOnlySequence<byte> Segments(byte[] bytes)
    {
        if (bytes.Length < 2)
            return new ReadOnlySequence<byte>(bytes);
        var half = bytes.Length / 2;
        var first = new Segment(bytes.AsMemory(0, half), 0);
        var last = first.Append(bytes.AsMemory(half));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long index)
        {
            Memory = memory;
            RunningIndex = index;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Octet_counted_and_newline_frames_mix_on_one_stream()
    {
        var stream = Bytes("11 <13>1 - a b9 <13>x\ny z\n<14>line two\r\n5 hello");
        var frames = Frame(stream, 1024, [stream.Length]);
        Assert.Equal([new("<13>1 - a b", false, 11), new("<13>x\ny z", false, 9), new("<14>line two", false, 12), new("hello", false, 5)], frames);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    public void Frames_split_across_reads_come_out_whole(int chunk)
    {
        var messages = Enumerable.Range(0, 20).Select(i => $"<13>Nov 28 10:00:{i:00} host app[{i}]: message number {i} with ünïcödé").ToList();
        var octet = string.Concat(messages.Select(m => $"{Encoding.UTF8.GetByteCount(m)} {m}"));
        var lines = string.Concat(messages.Select(m => m + "\n"));
        Assert.Equal(messages, Frame(Bytes(octet), 4096, Enumerable.Repeat(chunk, 100_000)).Select(f => f.Text));
        Assert.Equal(messages, Frame(Bytes(lines), 4096, Enumerable.Repeat(chunk, 100_000)).Select(f => f.Text));
    }

    [Fact]
    public void Partial_frame_waits_for_more_bytes()
    {
        Assert.Empty(Frame(Bytes("20 <13>only part"), 1024, [100], close: false));
        Assert.Empty(Frame(Bytes("<13>no newline yet"), 1024, [100], close: false));
        Assert.Empty(Frame(Bytes("123"), 1024, [100], close: false));
    }

    [Fact]
    public void Oversize_octet_counted_frame_is_truncated_and_its_rest_skipped()
    {
        var big = new string('a', 3000);
        var stream = Bytes($"3000 {big}5 after");
        var frames = Frame(stream, 1000, Enumerable.Repeat(100, 1000));
        Assert.Equal([new(big[..1000], true, 3000), new("after", false, 5)], frames);
    }

    [Fact]
    public void Oversize_line_is_truncated_and_skipped_to_its_end()
    {
        var big = new string('b', 2500);
        var frames = Frame(Bytes(big + "\nnext\n"), 1000, Enumerable.Repeat(300, 1000));
        Assert.Equal(2, frames.Count);
        Assert.Equal(big[..1000], frames[0].Text);
        Assert.True(frames[0].Truncated);
        Assert.Equal(new Cut("next", false, 4), frames[1]);
    }

    [Fact]
    public void Line_of_exactly_the_maximum_is_not_truncated()
    {
        var exact = new string('c', 1000);
        Assert.Equal([new(exact, false, 1000)], Frame(Bytes(exact + "\n"), 1000, [2000]));
    }

    [Fact]
    public void Stream_closing_mid_frame_delivers_what_came()
    {
        Assert.Equal([new("<13>cut", true, 50)], Frame(Bytes("50 <13>cut"), 1000, [100]));
        Assert.Equal([new("<13>last line without newline", false, 29)], Frame(Bytes("<13>last line without newline"), 1000, [100]));
    }

    [Fact]
    public void Digits_without_a_space_are_a_line_not_a_length()
    {
        Assert.Equal([new("2026-11-28 backup done", false, 22)], Frame(Bytes("2026-11-28 backup done\n"), 1000, [100]));
        Assert.Equal([new("1234567890123 x", false, 15)], Frame(Bytes("1234567890123 x\n"), 1000, [100]));
    }

    [Fact]
    public void Separators_between_frames_are_skipped()
    {
        Assert.Equal([new("a", false, 1), new("b", false, 1)], Frame(Bytes("1 a\n\r\n\0001 b\n"), 1000, [100]));
    }
}
