using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;

namespace Quell.Intel.Feeds.Formats;

/// <summary>
/// Reads text lines from an untrusted stream without ever holding more than the limit of one line: a 1 GB line
/// without a newline costs a skip, not a 1 GB string. A line that is too long comes back with
/// <see cref="Line.TooLong"/> set (its text cut) so the reader can report it and go on. Lines end at '\n'; a '\r'
/// before it is dropped.
/// </summary>
/// <remarks>
/// UTF-8 (with or without its byte order mark) is read as bytes: a line is found with a vectorised search and decoded
/// once into its string, where a <see cref="StreamReader"/> decoded every byte into a char buffer that was then copied
/// into a builder and again into the string (a feed of a million lines made three copies of each). A stream that starts
/// with a UTF-16 or UTF-32 byte order mark is decoded through a <see cref="StreamReader"/> as before. Invalid UTF-8 reads
/// as U+FFFD either way.
/// </remarks>
internal static class BoundedLines
{
    /// <summary>No indicator is longer than <see cref="IndicatorNormalizer.MaxLength"/>; a line holds one plus context.</summary>
    public const int MaxLine = 64 * 1024;

    public readonly record struct Line(long Number, string Text, bool TooLong);

    public static async IAsyncEnumerable<Line> ReadAsync(Stream body, [EnumeratorCancellation] CancellationToken ct, int maxLine = MaxLine)
    {
        var pipe = PipeReader.Create(body, new StreamPipeReaderOptions(bufferSize: 1 << 16, minimumReadSize: 1 << 15, leaveOpen: true));
        try
        {
            // Look at the first bytes without consuming them: a UTF-16 or UTF-32 byte order mark needs a decoder.
            var head = await pipe.ReadAtLeastAsync(4, ct);
            var bom = BomOf(head.Buffer.Length >= 4 ? head.Buffer.Slice(0, 4).ToArray() : head.Buffer.ToArray());
            pipe.AdvanceTo(head.Buffer.Start);
            var lines = bom switch
            {
                Bom.Other => CharLines(pipe.AsStream(leaveOpen: true), maxLine, ct),
                _ => Utf8Lines(pipe.AsStream(leaveOpen: true), bom == Bom.Utf8 ? 3 : 0, maxLine, ct),
            };
            await foreach (var line in lines)
                yield return line;
        }
        finally
        {
            await pipe.CompleteAsync();
        }
    }

    enum Bom { None, Utf8, Other }

    static Bom BomOf(ReadOnlySpan<byte> head) =>
        head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? Bom.Utf8
        : head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF]) ? Bom.Other
        : Bom.None;

    static async IAsyncEnumerable<Line> Utf8Lines(Stream body, int skip, int maxLine, [EnumeratorCancellation] CancellationToken ct)
    {
        // Room for a whole line of the limit and the newline after it, so a line that fits is never split.
        var buffer = new byte[Math.Max(1 << 16, (maxLine * 2) + 2)];
        var filled = 0;
        var start = skip;
        // Set while the rest of a line that was too long is skipped up to its newline: its cut text, already taken.
        string? cut = null;
        long number = 0;
        int read;
        do
        {
            read = await body.ReadAsync(buffer.AsMemory(filled), ct);
            filled += read;
            int nl;
            while ((nl = buffer.AsSpan(start, filled - start).IndexOf((byte)'\n')) >= 0)
            {
                var end = start + nl;
                yield return cut is not null ? new Line(++number, cut, true) : Take(buffer.AsSpan(start, end - start), ++number, maxLine);
                cut = null;
                start = end + 1;
            }
            if (read == 0)
                break;
            var rest = filled - start;
            // One byte over the limit may be the '\r' of a CRLF whose '\n' has not arrived yet.
            if (cut is null && rest > maxLine + 1)
                cut = Decode(buffer.AsSpan(start, maxLine));
            if (cut is not null)
            {
                // Skipping: only the newline ending the long line matters.
                start = filled;
                rest = 0;
            }
            buffer.AsSpan(start, rest).CopyTo(buffer);
            filled = rest;
            start = 0;
        }
        while (true);
        if (cut is not null)
            yield return new Line(++number, cut, true);
        else if (filled > start)
            yield return Take(buffer.AsSpan(start, filled - start), ++number, maxLine);
    }

    /// <summary>One line's bytes as its text, without the '\r' of a CRLF ending; cut when longer than the limit.</summary>
    static Line Take(ReadOnlySpan<byte> bytes, long number, int maxLine)
    {
        if (bytes.Length > 0 && bytes[^1] == '\r')
            bytes = bytes[..^1];
        return bytes.Length > maxLine ? new Line(number, Decode(bytes[..maxLine]), true) : new Line(number, Decode(bytes), false);
    }

    static string Decode(ReadOnlySpan<byte> bytes) => bytes.Length == 0 ? "" : Encoding.UTF8.GetString(bytes);

    /// <summary>Lines of a stream in another encoding than UTF-8 (a UTF-16 or UTF-32 byte order mark), decoded to chars first.</summary>
    static async IAsyncEnumerable<Line> CharLines(Stream body, int maxLine, [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var buffer = new char[1 << 16];
        var line = new StringBuilder();
        var tooLong = false;
        long number = 0;
        int read;
        while ((read = await reader.ReadAsync(buffer, ct)) > 0)
        {
            var start = 0;
            int nl;
            while ((nl = Array.IndexOf(buffer, '\n', start, read - start)) >= 0)
            {
                Append(buffer.AsSpan(start, nl - start));
                start = nl + 1;
                yield return Take();
            }
            Append(buffer.AsSpan(start, read - start));
        }
        if (line.Length > 0 || tooLong)
            yield return Take();

        void Append(ReadOnlySpan<char> part)
        {
            var room = maxLine - line.Length;
            if (part.Length > room)
            {
                tooLong = true;
                part = part[..room];
            }
            line.Append(part);
        }

        Line Take()
        {
            if (line.Length > 0 && line[^1] == '\r')
                line.Length--;
            var result = new Line(++number, line.ToString(), tooLong);
            line.Clear();
            tooLong = false;
            return result;
        }
    }
}
