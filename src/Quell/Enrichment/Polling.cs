using System.Globalization;

namespace Quell.Enrichment;

/// <summary>
/// How a long-running analyzer is polled: every <see cref="Interval"/> until the service has finished, for at most
/// <see cref="MaxDuration"/> from the submission, after which the report fails saying so. Organisations override both
/// with the configuration items <c>pollSeconds</c> and <c>maxMinutes</c>.
/// </summary>
public sealed record Polling(TimeSpan Interval, TimeSpan MaxDuration)
{
    public const string PollSecondsItem = "pollSeconds";
    public const string MaxMinutesItem = "maxMinutes";

    /// <summary>The two items, to list in the definition's configuration items.</summary>
    public IReadOnlyList<ConfigItem> Items =>
    [
        new(PollSecondsItem, $"Seconds between two status checks of a running analysis (1-3600, default {Interval.TotalSeconds:0})") { Min = 1, Max = 3600 },
        new(MaxMinutesItem, $"Minutes an analysis may take before the report fails (1-1440, default {MaxDuration.TotalMinutes:0})") { Min = 1, Max = 1440 },
    ];

    /// <summary>The polling in force: the organisation's items over these defaults (the items were checked when saved).</summary>
    public Polling With(IReadOnlyDictionary<string, string> config) => new(
        Read(config, PollSecondsItem) is { } s ? TimeSpan.FromSeconds(s) : Interval,
        Read(config, MaxMinutesItem) is { } m ? TimeSpan.FromMinutes(m) : MaxDuration);

    static int? Read(IReadOnlyDictionary<string, string> config, string item) =>
        config.TryGetValue(item, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;
}
