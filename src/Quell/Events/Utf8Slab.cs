namespace Quell.Events;

/// <summary>
/// Copies of the raw bytes of one request's events, packed into shared 32 KB arrays: a thousand events cost a dozen
/// allocations instead of a thousand, stay off the large object heap, and live as long as an event refers to them
/// (the request's pooled body is returned as soon as the request is answered).
/// </summary>
public sealed class Utf8Slab
{
    const int ChunkBytes = 32 * 1024;

    byte[]? _chunk;
    int _used;

    public ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > ChunkBytes / 4)
            return bytes.ToArray();
        if (_chunk is null || _chunk.Length - _used < bytes.Length)
        {
            _chunk = new byte[ChunkBytes];
            _used = 0;
        }
        var at = _used;
        bytes.CopyTo(_chunk.AsSpan(at));
        _used += bytes.Length;
        return _chunk.AsMemory(at, bytes.Length);
    }
}
