using System.Buffers;

namespace Quell.Events.Syslog;

/// <summary>One message cut from a TCP stream. <see cref="Data"/> points into the reader's buffer: use it before advancing.</summary>
/// <param name="Truncated">The message was longer than the maximum size; <see cref="Data"/> is its beginning.</param>
/// <param name="Length">The message's length as sent (for a truncated newline-framed message: at least this).</param>
public readonly record struct SyslogFrame(ReadOnlySequence<byte> Data, bool Truncated, long Length);

/// <summary>
/// Cuts a TCP byte stream into syslog messages (RFC 6587). Each frame's first byte decides its framing: a digit starts
/// octet counting (<c>LEN SP MSG</c>), anything else is non-transparent framing ended by LF (a CR before it is dropped).
/// Digits not followed by a space within 9 are read as the start of a newline-framed message, so a BSD message without
/// PRI that begins with a number is not lost. A message longer than the maximum is truncated: its first
/// <c>maxMessageSize</c> bytes are delivered flagged and the rest is skipped as it arrives, never buffered.
/// </summary>
public sealed class SyslogFramer
{
    const int MaxLengthDigits = 9;

    readonly int _maxMessageSize;
    long _skip;
    bool _skipToNewline;

    public SyslogFramer(int maxMessageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageSize, 1);
        _maxMessageSize = maxMessageSize;
    }

    /// <summary>
    /// Takes the next complete message off the front of <paramref name="buffer"/>. False when more bytes are needed
    /// (what could be consumed without one — skipped bytes, separators — is consumed). With <paramref name="isCompleted"/>
    /// (the peer closed) a last message without its end is delivered as it is, flagged truncated if octet-counted.
    /// </summary>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, bool isCompleted, out SyslogFrame frame)
    {
        frame = default;
        if (_skip > 0)
        {
            var n = Math.Min(_skip, buffer.Length);
            buffer = buffer.Slice(n);
            _skip -= n;
            if (_skip > 0)
                return false;
        }
        if (_skipToNewline)
        {
            if (buffer.PositionOf((byte)'\n') is not { } lf)
            {
                buffer = buffer.Slice(buffer.End);
                return false;
            }
            buffer = buffer.Slice(buffer.GetPosition(1, lf));
            _skipToNewline = false;
        }

        // Separators between frames (a trailing LF after an octet-counted frame, blank lines, NUL trailers) carry nothing.
        var reader = new SequenceReader<byte>(buffer);
        reader.AdvancePastAny((byte)'\n', (byte)'\r', 0);
        buffer = buffer.Slice(reader.Position);
        if (buffer.IsEmpty)
            return false;

        var first = buffer.FirstSpan[0];
        if (SyslogParser.IsDigit(first))
        {
            var length = 0L;
            var digits = 0;
            var decided = false;
            var counted = false;
            while (reader.TryRead(out var b))
            {
                if (SyslogParser.IsDigit(b) && digits < MaxLengthDigits)
                {
                    length = length * 10 + (b - '0');
                    digits++;
                    continue;
                }
                decided = true;
                counted = b == ' ';
                break;
            }
            if (!decided && !isCompleted)
                return false;
            if (counted)
                return TryReadCounted(ref buffer, digits + 1, length, isCompleted, out frame);
        }
        return TryReadLine(ref buffer, isCompleted, out frame);
    }

    bool TryReadCounted(ref ReadOnlySequence<byte> buffer, int headerLength, long length, bool isCompleted, out SyslogFrame frame)
    {
        var body = buffer.Slice(headerLength);
        var wanted = Math.Min(length, _maxMessageSize);
        if (body.Length < wanted)
        {
            if (!isCompleted)
            {
                frame = default;
                return false;
            }
            // The peer closed in the middle of a frame: what came is kept, flagged as cut short.
            frame = new SyslogFrame(body, true, length);
            buffer = buffer.Slice(buffer.End);
            return true;
        }
        frame = new SyslogFrame(body.Slice(0, wanted), wanted < length, length);
        buffer = body.Slice(wanted);
        _skip = length - wanted;
        return true;
    }

    bool TryReadLine(ref ReadOnlySequence<byte> buffer, bool isCompleted, out SyslogFrame frame)
    {
        var window = buffer.Length > _maxMessageSize ? buffer.Slice(0, _maxMessageSize + 1) : buffer;
        if (window.PositionOf((byte)'\n') is { } lf)
        {
            var line = buffer.Slice(0, lf);
            if (!line.IsEmpty && EndsWithCr(line))
                line = line.Slice(0, line.Length - 1);
            frame = new SyslogFrame(line, false, line.Length);
            buffer = buffer.Slice(buffer.GetPosition(1, lf));
            return true;
        }
        if (buffer.Length > _maxMessageSize)
        {
            frame = new SyslogFrame(buffer.Slice(0, _maxMessageSize), true, buffer.Length);
            buffer = buffer.Slice(_maxMessageSize);
            _skipToNewline = true;
            return true;
        }
        if (isCompleted)
        {
            frame = new SyslogFrame(buffer, false, buffer.Length);
            buffer = buffer.Slice(buffer.End);
            return true;
        }
        frame = default;
        return false;
    }

    static bool EndsWithCr(ReadOnlySequence<byte> s)
    {
        var last = s.Slice(s.Length - 1);
        return last.FirstSpan[0] == '\r';
    }
}
