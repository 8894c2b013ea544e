namespace Quell.Intel.Feeds.Fetching;

/// <summary>
/// Where local feeds (<c>file://</c> URLs and paths) may read: only files below the directories an operator configured
/// (<see cref="FeedFetchOptions.LocalDirectories"/>); with none, local feeds are refused. Whoever may manage feeds
/// would otherwise read any file the server can (<c>/etc/shadow</c>, the data folder's keys) into indicators and
/// error messages. Paths are compared after resolving <c>..</c> and every symbolic link on the way, so neither a
/// traversal nor a link placed inside an allowed directory reaches outside it.
/// </summary>
public static class LocalFeedPaths
{
    /// <summary>How an operator sets the directories, for messages.</summary>
    public const string Setting = "Feeds:LocalDirectories (quell serve --feed-directories DIR[:DIR…], environment QUELL_FEED_DIRECTORIES)";

    /// <summary>Symbolic links followed in one path before giving up, as the kernel does (ELOOP).</summary>
    const int MaxLinks = 40;

    /// <summary>Null when <paramref name="path"/> (absolute, or relative to the working directory) may be read; otherwise why not.</summary>
    public static string? Refusal(string path, IReadOnlyCollection<string> allowed)
    {
        if (allowed.Count == 0)
            return $"local feeds are turned off on this server: no directory is configured for them; set {Setting}";
        var shown = IndicatorNormalizer.Printable(path);
        string real;
        try
        {
            real = RealPath(path);
        }
        catch (IOException e)
        {
            return $"{shown} cannot be resolved: {e.Message}";
        }
        foreach (var directory in allowed)
        {
            var root = RealPath(directory);
            if (real.StartsWith(Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                return null;
        }
        var via = real == Path.GetFullPath(path) ? "" : $" (it resolves to {IndicatorNormalizer.Printable(real)})";
        return $"{shown}{via} is outside the directories local feeds may read ({string.Join(", ", allowed.Select(IndicatorNormalizer.Printable))}); " +
            $"put the feed there or add its directory to {Setting}";
    }

    /// <summary>
    /// The absolute path with <c>.</c>, <c>..</c> and every symbolic link resolved, component by component (what
    /// realpath(3) does); components that do not exist are kept as written.
    /// </summary>
    public static string RealPath(string path)
    {
        var links = 0;
        return Resolve(Path.GetFullPath(path), ref links);
    }

    static string Resolve(string full, ref int links)
    {
        var root = Path.GetPathRoot(full) ?? "/";
        var current = root;
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.LinkTarget is { } target)
            {
                if (++links > MaxLinks)
                    throw new IOException($"more than {MaxLinks} symbolic links on the way to {IndicatorNormalizer.Printable(full)}");
                // A relative target is relative to the link's directory; the target may hold links of its own.
                next = Resolve(Path.GetFullPath(target, current), ref links);
            }
            else if (!info.Exists)
                return Path.Combine([next, .. parts[(i + 1)..]]);
            current = next;
        }
        return current;
    }
}
