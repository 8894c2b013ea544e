namespace Quell.Intel.Feeds.Fetching;

/// <summary>
/// Where local feeds (<c>file://</c> URLs and paths) may read. With directories configured
/// (<see cref="FeedFetchOptions.LocalDirectories"/>), only files below them; with none (the default, as in MISP, whose
/// site admins may add local feeds), any file outside the protected directories (the data folder and the system's
/// <c>/etc</c>, <c>/proc</c>, …), which keeps the server's keys and <c>/etc/shadow</c> out of indicators and error
/// messages; with <see cref="Off"/>, none. Paths are compared after resolving <c>..</c> and every symbolic link on the
/// way, so neither a traversal nor a link placed inside an allowed directory reaches outside it.
/// </summary>
public static class LocalFeedPaths
{
    /// <summary>How an operator sets the directories, for messages.</summary>
    public const string Setting = "Feeds:LocalDirectories (quell serve --feed-directories DIR[:DIR…], environment QUELL_FEED_DIRECTORIES)";

    /// <summary>The one-entry directory list that turns local feeds off.</summary>
    public const string Off = "none";

    /// <summary>System directories no local feed reads, whatever the configuration; the data folder is added at start.</summary>
    public static readonly IReadOnlyList<string> SystemDirectories = ["/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/run", "/var/lib", "/var/run"];

    /// <summary>Symbolic links followed in one path before giving up, as the kernel does (ELOOP).</summary>
    const int MaxLinks = 40;

    /// <summary>Null when <paramref name="path"/> (absolute, or relative to the working directory) may be read; otherwise why not.</summary>
    public static string? Refusal(string path, IReadOnlyCollection<string> allowed, IReadOnlyCollection<string>? protectedDirectories = null)
    {
        if (allowed.Count == 1 && allowed.First() == Off)
            return $"local feeds are turned off on this server ({Setting} is \"{Off}\"); list the directories they may read there";
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
        var via = real == Path.GetFullPath(path) ? "" : $" (it resolves to {IndicatorNormalizer.Printable(real)})";
        if (allowed.Count == 0)
        {
            var inside = SystemDirectories.Concat(protectedDirectories ?? []).FirstOrDefault(d => real == RealPath(d) || IsBelow(real, d));
            return inside is null
                ? null
                : $"{shown}{via} is in {IndicatorNormalizer.Printable(inside)}, which local feeds never read (the data folder and system directories are protected); " +
                    $"put the feed elsewhere, or list the directories local feeds may read in {Setting}";
        }
        if (allowed.Any(d => IsBelow(real, d)))
            return null;
        return $"{shown}{via} is outside the directories local feeds may read ({string.Join(", ", allowed.Select(IndicatorNormalizer.Printable))}); " +
            $"put the feed there or add its directory to {Setting}";
    }

    static bool IsBelow(string real, string directory)
    {
        var root = RealPath(directory);
        return real.StartsWith(Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
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
