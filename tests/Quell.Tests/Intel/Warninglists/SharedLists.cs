using Quell.Intel;
using Quell.Intel.Warninglists;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Warninglists;

/// <summary>The 14 MISP lists of ../shared/testdata/warninglists, loaded once for the tests that only read them.</summary>
public static class SharedLists
{
    static readonly Lazy<WarninglistLoadReport> Report = new(() => WarninglistLoader.Load(TestData.Shared("warninglists")));

    public static WarninglistLoadReport Loaded => Report.Value;

    /// <summary>Normalizes as ingestion does, then checks; the names of the lists hit.</summary>
    public static string[] Hits(string type, string value, WarninglistSet? set = null)
    {
        var normalized = IndicatorNormalizer.Normalize(type, value, out var error) ?? throw new ArgumentException(error, nameof(value));
        return (set ?? Loaded.Set).Check(type, normalized).Select(h => h.List).ToArray();
    }
}
