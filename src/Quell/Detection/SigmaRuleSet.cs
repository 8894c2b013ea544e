using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quell.Detection.Sigma;

namespace Quell.Detection;

/// <summary>A correlated event kept as evidence while its correlation window is open.</summary>
public sealed record SigmaEvidence(DateTimeOffset Time, string Raw);

/// <summary>
/// The Sigma rules the server detects with at ingest (<c>quell serve --sigma-rules DIR</c>, <c>QUELL_SIGMA_RULES</c>,
/// <c>Detection:SigmaRules</c>), with filters applied and the selection of <c>Detection:Sigma:*</c>. Loaded once in the
/// background when first asked for: a SigmaHQ checkout takes seconds, and only the first batches wait for it. Every
/// rule not loaded or not enabled is logged with its reason. Correlation windows live in memory, one correlator per
/// organisation, restored from the stored matches when the server first needs it (decision 185).
/// </summary>
public sealed partial class SigmaRuleSet
{
    readonly Lazy<Task<SigmaCatalog?>> _catalog;
    readonly ConcurrentDictionary<long, Lazy<Task<SigmaCorrelator<SigmaEvidence>>>> _correlators = new();
    readonly SigmaOptions _options;

    public SigmaRuleSet(IOptions<DetectionOptions> options, ILogger<SigmaRuleSet> log)
    {
        _options = options.Value.Sigma;
        _catalog = new(() => Task.Run(() => Load(options.Value.SigmaRules, options.Value.Sigma, log)));
    }

    public Task<SigmaCatalog?> CatalogAsync() => _catalog.Value;

    /// <summary>
    /// The organisation's correlation state; callers lock it while they use it. The first call makes it and has
    /// <paramref name="restore"/> fill it (every caller waits for that); a restore that fails is tried again by the next call.
    /// </summary>
    public async Task<SigmaCorrelator<SigmaEvidence>> CorrelatorForAsync(long orgId, SigmaCatalog catalog, Func<SigmaCorrelator<SigmaEvidence>, Task> restore)
    {
        var made = _correlators.GetOrAdd(orgId, _ => new(async () =>
        {
            var correlator = catalog.CreateCorrelator<SigmaEvidence>(new SigmaCorrelatorOptions { MaxEvents = _options.CorrelationMaxEvents });
            await restore(correlator);
            return correlator;
        }));
        try
        {
            return await made.Value;
        }
        catch
        {
            _correlators.TryRemove(KeyValuePair.Create(orgId, made));
            throw;
        }
    }

    static SigmaCatalog? Load(string? directory, SigmaOptions sigma, ILogger log)
    {
        if (string.IsNullOrWhiteSpace(directory))
            return null;
        if (!Directory.Exists(directory))
        {
            Missing(log, directory);
            return null;
        }
        SigmaRuleSelection selection;
        try
        {
            selection = SigmaRuleSelection.Parse(sigma.MinLevel, sigma.Status, sigma.Tags);
        }
        catch (ArgumentException e)
        {
            BadSelection(log, e.Message);
            return null;
        }
        var reader = new SigmaReaderOptions();
        if (sigma.Placeholders is { Length: > 0 } placeholders)
        {
            try
            {
                reader = reader with { Placeholders = SigmaPlaceholders.Load(placeholders) };
            }
            catch (SigmaRuleException e)
            {
                BadPlaceholders(log, e.Message);
                return null;
            }
        }
        var catalog = SigmaCatalog.Build(SigmaRuleLoader.LoadDirectory(directory, reader), selection);
        foreach (var problem in catalog.Problems.Take(50))
            NotLoaded(log, problem.ToString());
        foreach (var problem in catalog.NotEnabled.Take(50))
            NotEnabled(log, problem.ToString());
        Loaded(log, catalog.Engine.Rules.Count, catalog.Correlations.Count, directory, catalog.Problems.Count, catalog.NotEnabled.Count, selection.ToString());
        return catalog.Engine.Rules.Count == 0 ? null : catalog;
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information,
        Message = "Sigma: {Rules} rules and {Correlations} correlations loaded from {Directory}, {NotLoaded} not loaded, {NotEnabled} not enabled by the selection ({Selection})")]
    static partial void Loaded(ILogger logger, int rules, int correlations, string directory, int notLoaded, int notEnabled, string selection);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Sigma rule not loaded: {Problem}")]
    static partial void NotLoaded(ILogger logger, string problem);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Error, Message = "Sigma rules directory {Directory} does not exist; no Sigma detection")]
    static partial void Missing(ILogger logger, string directory);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Information, Message = "Sigma rule not enabled: {Problem}")]
    static partial void NotEnabled(ILogger logger, string problem);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Error, Message = "Sigma rule selection (Detection:Sigma) is invalid: {Problem}; no Sigma detection")]
    static partial void BadSelection(ILogger logger, string problem);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Error, Message = "Sigma placeholders (Detection:Sigma:Placeholders): {Problem}; no Sigma detection")]
    static partial void BadPlaceholders(ILogger logger, string problem);
}
