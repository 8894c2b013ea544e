namespace Quell.Intel.Feeds.Fetching;

/// <summary>
/// A response body that stops at the size cap and turns a broken transfer (connection closed before Content-Length,
/// invalid gzip) into a <see cref="FeedFormatException"/> naming the URL, so the pull fails with a message instead of
/// an I/O exception. Disposing it disposes the response.
/// </summary>
sealed class BoundedBodyStream(Stream inner, IDisposable owner, long maxBytes, Uri uri) : Stream
{
    long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return Count(inner.Read(buffer));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or HttpRequestException)
        {
            throw Broken(e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        try
        {
            return Count(await inner.ReadAsync(buffer, ct));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or HttpRequestException)
        {
            throw Broken(e);
        }
    }

    int Count(int n)
    {
        _read += n;
        if (_read > maxBytes)
            throw new FeedFormatException($"{uri} sent more than {maxBytes} bytes, the most a feed document may have");
        return n;
    }

    FeedFormatException Broken(Exception e) =>
        new($"the answer from {uri} broke off after {_read} bytes ({IndicatorNormalizer.Printable(e.Message)}); the feed was not changed", e);

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            owner.Dispose();
        }
        base.Dispose(disposing);
    }
}
