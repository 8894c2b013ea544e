using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quell.Detection.Sigma;

namespace Quell.Detection;

/// <summary>
/// The Sigma rules the server detects with at ingest (<c>quell serve --sigma-rules DIR</c>, <c>QUELL_SIGMA_RULES</c>,
/// <c>Detection:SigmaRules</c>). Loaded once in the background when first asked for: a SigmaHQ checkout takes seconds,
/// and only the first batches wait for it. Every rule not loaded is logged with its reason.
/// </summary>
public sealed partial class SigmaRuleSet
{
    readonly Lazy<Task<SigmaEngine?>> _engine;

    public SigmaRuleSet(IOptions<DetectionOptions> options, ILogger<SigmaRuleSet> log) =>
        _engine = new(() => Task.Run(() => Load(options.Value.SigmaRules, log)));

    public Task<SigmaEngine?> EngineAsync() => _engine.Value;

    static SigmaEngine? Load(string? directory, ILogger log)
    {
        if (string.IsNullOrWhiteSpace(directory))
            return null;
        if (!Directory.Exists(directory))
        {
            Missing(log, directory);
            return null;
        }
        var result = SigmaRuleLoader.LoadDirectory(directory);
        foreach (var problem in result.Problems.Take(50))
            NotLoaded(log, problem.ToString());
        Loaded(log, result.Rules.Count, result.Problems.Count, directory);
        return result.Rules.Count == 0 ? null : new SigmaEngine(result.Rules);
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Sigma: {Loaded} rules loaded from {Directory}, {NotLoaded} not loaded")]
    static partial void Loaded(ILogger logger, int loaded, int notLoaded, string directory);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Sigma rule not loaded: {Problem}")]
    static partial void NotLoaded(ILogger logger, string problem);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Error, Message = "Sigma rules directory {Directory} does not exist; no Sigma detection")]
    static partial void Missing(ILogger logger, string directory);
}
