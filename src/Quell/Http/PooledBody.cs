using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace Quell.Http;

/// <summary>
/// A request body read into an array rented from the shared pool, sized by Content-Length when the client sends one.
/// Ingest bodies are hundreds of kilobytes: a growing <see cref="MemoryStream"/> allocated about twice the body per
/// request on the large object heap, which the GC collects only in full collections (decision 173).
/// </summary>
public sealed class PooledBody : IDisposable
{
    byte[]? _array;

    PooledBody(byte[] array, int length)
    {
        _array = array;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => _array is { } a ? a.AsSpan(0, Length) : throw new ObjectDisposedException(nameof(PooledBody));

    /// <summary>The body, or null when it is (or declares itself) larger than <paramref name="maxBytes"/>.</summary>
    public static async Task<PooledBody?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes)
            return null;
        // One byte more than declared, so that a body longer than its Content-Length is read to its end and still refused.
        var array = ArrayPool<byte>.Shared.Rent((int)Math.Min(maxBytes, (request.ContentLength ?? 16 * 1024)) + 1);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == array.Length)
                {
                    if (length > maxBytes)
                        break;
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)maxBytes + 1, array.Length * 2L));
                    array.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(array);
                    array = bigger;
                }
                var read = await request.Body.ReadAsync(array.AsMemory(length), ct);
                if (read == 0)
                    break;
                length += read;
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            length = maxBytes + 1;
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(array);
            throw;
        }
        if (length > maxBytes)
        {
            ArrayPool<byte>.Shared.Return(array);
            return null;
        }
        return new PooledBody(array, length);
    }

    public void Dispose()
    {
        if (_array is { } a)
            ArrayPool<byte>.Shared.Return(a);
        _array = null;
    }
}
