namespace Quell.Files;

/// <summary>Settings of file content (section "Files").</summary>
public sealed class FileOptions
{
    public const long DefaultMaxBytes = 32L << 20;

    /// <summary>
    /// The largest file kept (uploads over it are refused with 413) and sent to an analyzer (content stored before the
    /// limit was lowered is not sent). Samples are kept in the database, so this bounds a row and a request's memory.
    /// </summary>
    public long MaxBytes { get; set; } = DefaultMaxBytes;
}
