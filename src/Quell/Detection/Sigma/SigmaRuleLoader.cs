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
        var rules = new List<SigmaRule>();
        var problems = new List<SigmaLoadProblem>();
        foreach (var file in files)
        {
            string text;
            try
            {
                var info = new FileInfo(file);
                if (info.Length > options.MaxFileBytes)
                {
                    problems.Add(new SigmaLoadProblem(file, null, null, $"the file is larger than {options.MaxFileBytes:N0} bytes"));
                    continue;
                }
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add(new SigmaLoadProblem(file, null, null, $"the file cannot be read: {e.Message}"));
                continue;
            }
            var result = SigmaRuleReader.Read(text, file, options);
            rules.AddRange(result.Rules);
            problems.AddRange(result.Problems);
        }
        return new SigmaLoadResult(rules, problems);
    }
}
