using System.Runtime.CompilerServices;
using System.Text;

namespace Quell.Intel.Feeds.Formats;

/// <summary>
/// Reads text lines from an untrusted stream without ever holding more than the limit of one line: a 1 GB line
/// without a newline costs a skip, not a 1 GB string. A line that is too long comes back with
/// <see cref="Line.TooLong"/> set (its text cut) so the reader can report it and go on. Lines end at '\n'; a '\r'
/// before it is dropped.
/// </summary>
internal static class BoundedLines
{
    /// <summary>No indicator is longer than <see cref="IndicatorNormalizer.MaxLength"/>; a line holds one plus context.</summary>
    public const int MaxLine = 64 * 1024;

    public readonly record struct Line(long Number, string Text, bool TooLong);

    public static async IAsyncEnumerable<Line> ReadAsync(Stream body, [EnumeratorCancellation] CancellationToken ct, int maxLine = MaxLine)
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
