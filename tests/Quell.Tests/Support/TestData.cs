namespace Quell.Tests.Support;

/// <summary>Paths to the repository and to the third-party conformance data in ../shared/testdata (never copied here).</summary>
public static class TestData
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>A path under ../shared/testdata; fails with the path it looked for when the data is not there.</summary>
    public static string Shared(params string[] parts)
    {
        var path = Path.GetFullPath(Path.Combine([RepositoryRoot, "..", "shared", "testdata", .. parts]));
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"conformance data {path} is missing: the tests read ../shared/testdata next to the repository", path);
        return path;
    }

    static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Quell.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Quell.slnx not found above " + AppContext.BaseDirectory);
    }
}
