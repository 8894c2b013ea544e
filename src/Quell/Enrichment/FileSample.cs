using Quell.Files;

namespace Quell.Enrichment;

/// <summary>
/// The content Quell keeps for a file observable ("name|sha256"), for analyzers that submit files (sandboxes, Cortex
/// analyzers of dataType file). Read only when sent, and refused when larger than <c>Files:MaxBytes</c> is now.
/// </summary>
public sealed class FileSample(string name, StoredFile stored, long maxBytes, Func<CancellationToken, Task<byte[]?>> read)
{
    public string Name => name;
    public StoredFile Stored => stored;

    public async Task<byte[]> ReadAsync(CancellationToken ct)
    {
        if (stored.Size > maxBytes)
            throw new AnalyzerFailedException($"the file {name} is {stored.Size} bytes, more than Files:MaxBytes ({maxBytes}); nothing was sent");
        return await read(ct) ?? throw new AnalyzerFailedException($"the content of {name} ({stored.Sha256}) is no longer kept; nothing was sent");
    }
}
