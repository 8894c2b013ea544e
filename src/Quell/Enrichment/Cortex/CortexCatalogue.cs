using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Quell.Enrichment.Cortex;

/// <summary>
/// The Cortex flavours loaded at start from <see cref="CortexOptions.Directories"/>: analyzers (which join the analyzer
/// catalogue as <c>cortex:&lt;name&gt;</c>), responders, and the files that could not be used, each logged with its reason.
/// </summary>
public sealed partial class CortexCatalogue
{
    public CortexCatalogue(IOptions<CortexOptions> options, IOptions<EnrichmentOptions> enrichment, ILogger<CortexCatalogue> logger)
    {
        var loaded = CortexDefinitions.Load(options.Value.Directories);
        Analyzers = loaded.Flavors.Where(f => f.Kind == CortexKind.Analyzer).Select(f => new CortexAnalyzer(f, options.Value, enrichment.Value)).ToList();
        Responders = loaded.Flavors.Where(f => f.Kind == CortexKind.Responder).ToDictionary(f => f.QuellName, StringComparer.Ordinal);
        Problems = loaded.Problems;
        Directories = options.Value.Directories;
        foreach (var p in Problems)
            LogProblem(logger, p.File, p.Reason);
        if (Directories.Count > 0)
            LogLoaded(logger, Analyzers.Count, Responders.Count, Problems.Count, string.Join(", ", Directories));
    }

    public IReadOnlyList<string> Directories { get; }
    public IReadOnlyList<CortexAnalyzer> Analyzers { get; }
    public IReadOnlyDictionary<string, CortexFlavor> Responders { get; }
    public IReadOnlyList<CortexProblem> Problems { get; }

    [LoggerMessage(EventId = 5601, Level = LogLevel.Warning, Message = "Cortex definition {File} is not used: {Reason}")]
    static partial void LogProblem(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = 5602, Level = LogLevel.Information, Message = "Loaded {Analyzers} Cortex analyzers and {Responders} responders ({Problems} definitions not used) from {Directories}")]
    static partial void LogLoaded(ILogger logger, int analyzers, int responders, int problems, string directories);
}
