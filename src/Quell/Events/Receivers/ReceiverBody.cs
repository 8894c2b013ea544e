using System.IO.Compression;
using Microsoft.AspNetCore.Http;

namespace Quell.Events.Receivers;

/// <summary>
/// A receiver's request body, read whole and bounded, decompressed when the sender compressed it (Filebeat and the
/// OpenTelemetry Collector send gzip by default). The bound applies after decompression: a gzip bomb stops there.
/// </summary>
public static class ReceiverBody
{
    /// <summary>The body, or null with the reason (<c>413</c> too large, <c>415</c> unknown encoding, <c>400</c> broken compression).</summary>
    public static async Task<(MemoryStream? Body, int Status, string? Error)> ReadAsync(HttpRequest request, long maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes)
            return (null, 413, $"the request body is larger than {maxBytes} bytes; send fewer events per request");
        var encoding = request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        Stream source = encoding switch
        {
            "" or "identity" => request.Body,
            "gzip" => new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            "deflate" => new ZLibStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            _ => Stream.Null,
        };
        if (source == Stream.Null)
            return (null, 415, $"Content-Encoding '{encoding}' is not supported; send gzip, deflate or no encoding");
        var body = new MemoryStream();
        var buffer = new byte[81920];
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, ct)) > 0)
            {
                if (body.Length + read > maxBytes)
                {
                    await body.DisposeAsync();
                    return (null, 413, $"the request body is larger than {maxBytes} bytes (after decompression); send fewer events per request");
                }
                body.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException e)
        {
            await body.DisposeAsync();
            return (null, 400, $"the body is not valid {encoding}: {e.Message}");
        }
        finally
        {
            if (source != request.Body)
                await source.DisposeAsync();
        }
        return (body, 200, null);
    }

    /// <summary>
    /// The ingest token a shipper sends: <c>ApiKey base64(id:key)</c> (Beats' api_key, the key is the token),
    /// <c>Basic</c> (the password is the token, any user name), <c>Bearer</c> or <c>Splunk</c>.
    /// </summary>
    public static string? Token(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        if (string.IsNullOrWhiteSpace(header))
            return null;
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
            return null;
        var scheme = header[..space];
        var value = header[(space + 1)..].Trim();
        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) || scheme.Equals("Splunk", StringComparison.OrdinalIgnoreCase))
            return value.Length > 0 ? value : null;
        if (!scheme.Equals("ApiKey", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            return null;
        string decoded;
        try
        {
            decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(value));
        }
        catch (FormatException)
        {
            // Beats also accept api_key as "id:key" and send it encoded; a raw token without a colon is taken as it is.
            return scheme.Equals("ApiKey", StringComparison.OrdinalIgnoreCase) && value.Length > 0 ? value : null;
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 && colon < decoded.Length - 1 ? decoded[(colon + 1)..] : null;
    }
}
