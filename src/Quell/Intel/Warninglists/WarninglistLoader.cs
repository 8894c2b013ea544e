namespace Quell.Intel.Warninglists;

/// <summary>What loading a warninglists directory gave: the set in force and the lists skipped, with reasons.</summary>
public sealed record WarninglistLoadReport(WarninglistSet Set, IReadOnlyList<WarninglistProblem> Skipped, string? Directory)
{
    public static WarninglistLoadReport SanityOnly { get; } = new(WarninglistSet.SanityOnly, [], null);

    public IEnumerable<CompiledWarninglist> Loaded => Set.Lists.Where(l => l.Source == CompiledWarninglist.MispSource);
}

/// <summary>
/// Loads a directory of MISP warninglists: a checkout of MISP/misp-warninglists (<c>lists/*/list.json</c>) or its
/// <c>lists</c> folder itself. A list that cannot be used (bad JSON, unknown type, an invalid CIDR block or pattern, a
/// name already loaded) is reported with its path and reason and skipped; the others load.
/// </summary>
public static class WarninglistLoader
{
    public const int MaxLists = 2000;

    public static WarninglistLoadReport Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new DirectoryNotFoundException(
                $"the warninglists directory '{directory}' does not exist; give a checkout of MISP/misp-warninglists (or its lists folder)");
        var lists = System.IO.Directory.Exists(Path.Combine(directory, "lists")) ? Path.Combine(directory, "lists") : directory;
        var files = System.IO.Directory.EnumerateDirectories(lists)
            .Select(d => Path.Combine(d, "list.json"))
            .Where(File.Exists)
            .Order(StringComparer.Ordinal)
            .ToList();
        var loaded = new List<CompiledWarninglist>();
        var skipped = new List<WarninglistProblem>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (loaded.Count >= MaxLists)
            {
                skipped.Add(new WarninglistProblem(file, $"more than {MaxLists} lists; the rest are not loaded"));
                continue;
            }
            var compiled = LoadFile(file, out var error);
            if (compiled is null)
                skipped.Add(new WarninglistProblem(file, error!));
            else if (names.TryGetValue(compiled.List.Name, out var first))
                skipped.Add(new WarninglistProblem(file, $"a list named '{IndicatorNormalizer.Printable(compiled.List.Name)}' was already loaded from {first}"));
            else
            {
                names[compiled.List.Name] = file;
                loaded.Add(compiled);
            }
        }
        return new WarninglistLoadReport(WarninglistSet.Create(loaded), skipped, directory);
    }

    /// <summary>One list.json, parsed and compiled; null with the reason.</summary>
    public static CompiledWarninglist? LoadFile(string file, out string? error)
    {
        byte[] bytes;
        try
        {
            var length = new FileInfo(file).Length;
            if (length > WarninglistParser.MaxFileBytes)
            {
                error = $"the file is {length} bytes; at most {WarninglistParser.MaxFileBytes} are read";
                return null;
            }
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot be read: {e.Message}";
            return null;
        }
        var list = WarninglistParser.Parse(bytes, file, out error);
        return list is null ? null : CompiledWarninglist.Compile(list, out error);
    }
}
