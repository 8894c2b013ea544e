namespace Quell.Intel.Feeds.Fetching;

/// <summary>Outbound HTTP for feeds (configuration section <c>Feeds</c>, e.g. env <c>Feeds__AllowPrivateNetworks=true</c>).</summary>
public sealed class FeedFetchOptions
{
    /// <summary>
    /// Let feeds reach private and loopback networks (10/8, 172.16/12, 192.168/16, 127/8, fc00::/7, ::1, 100.64/10): for a
    /// MISP or TAXII server on the internal network. Link-local and cloud metadata addresses stay refused regardless.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Largest body read from one document (after decompression: a gzip bomb stops here).</summary>
    public long MaxBodyBytes { get; set; } = 1L << 30;

    /// <summary>Time for one HTTP attempt to answer with headers; the body may take longer.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries of a 5xx, 408 or 429 answer or a broken connection (Retry-After honoured).</summary>
    public int Retries { get; set; } = 3;

    /// <summary>
    /// Directories whose files local feeds (<c>file://</c> URLs and paths) may read, subdirectories included; empty (the
    /// default): any file outside <see cref="ProtectedDirectories"/>; <c>["none"]</c>: none (<see cref="LocalFeedPaths"/>).
    /// </summary>
    public List<string> LocalDirectories { get; set; } = [];

    /// <summary>Directories local feeds never read when <see cref="LocalDirectories"/> is empty: the data folder (added at start) and the system's.</summary>
    public List<string> ProtectedDirectories { get; set; } = [.. LocalFeedPaths.SystemDirectories];

    /// <summary>First retry delay; later ones grow exponentially.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);
}
