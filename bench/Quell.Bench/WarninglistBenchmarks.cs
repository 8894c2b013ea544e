using BenchmarkDotNet.Attributes;
using Quell.Intel.Warninglists;

namespace Quell.Bench;

/// <summary>
/// One warninglist check with the 14 shared MISP lists and the sanity checks loaded (../shared/testdata/warninglists
/// next to the repository, or QUELL_WARNINGLISTS): a hit and a miss per common type. Target: microseconds per check.
/// </summary>
[MemoryDiagnoser]
public class WarninglistBenchmarks
{
    WarninglistSet _set = null!;

    [GlobalSetup]
    public void Setup()
    {
        var dir = Environment.GetEnvironmentVariable("QUELL_WARNINGLISTS") ?? FindShared();
        _set = WarninglistLoader.Load(dir).Set;
    }

    static string FindShared()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "shared", "testdata", "warninglists");
            if (Directory.Exists(candidate))
                return candidate;
        }
        throw new DirectoryNotFoundException("set QUELL_WARNINGLISTS to a directory of MISP warninglists");
    }

    [Benchmark] public int IpHit() => _set.Check("ip-dst", "8.8.8.8").Count;
    [Benchmark] public int IpMiss() => _set.Check("ip-dst", "93.184.216.34").Count;
    [Benchmark] public int DomainHit() => _set.Check("domain", "mail.google.com").Count;
    [Benchmark] public int DomainMiss() => _set.Check("domain", "login.quell-unlisted.example").Count;
    [Benchmark] public int UrlMiss() => _set.Check("url", "https://login.quell-unlisted.example/a/b?c=d").Count;
    [Benchmark] public int EmailSubstringMiss() => _set.Check("email-src", "someone@quell-unlisted.example").Count;
    [Benchmark] public int Sha256Miss() => _set.Check("sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08").Count;
}
