namespace Quell.Detection.Sigma;

/// <summary>Loads every <c>.yml</c>/<c>.yaml</c> file under a directory; unreadable files are reported, not skipped.</summary>
public static class SigmaRuleLoader
{
    public static SigmaLoadResult LoadDirectory(string directory, SigmaReaderOptions? options = null)
    {
        options ??= new SigmaReaderOptions();
        var files = Directory.EnumerateFiles(directory, "*.*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false })
            .Where(f => f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
        return LoadFiles(files, options);
    }

    public static SigmaLoadResult LoadFiles(IEnumerable<string> files, SigmaReaderOptions? options = null)
    {
        options ??= new SigmaReaderOptions();
        var results = new List<SigmaLoadResult>();
        foreach (var file in files)
        {
            string text;
            try
            {
                var info = new FileInfo(file);
                if (info.Length > options.MaxFileBytes)
                {
                    results.Add(new SigmaLoadResult([], [new SigmaLoadProblem(file, null, null, $"the file is larger than {options.MaxFileBytes:N0} bytes")]));
                    continue;
                }
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                results.Add(new SigmaLoadResult([], [new SigmaLoadProblem(file, null, null, $"the file cannot be read: {e.Message}")]));
                continue;
            }
            results.Add(SigmaRuleReader.Read(text, file, options));
        }
        return SigmaLoadResult.Combine(results);
    }
}
