namespace Quell.Observables;

/// <summary>
/// An indicator of the organisation's intel that an observable matched, as alert and case views show it: which
/// indicator, its current score and sources, how the value matched it (<see cref="MatchKind"/>) and when that was
/// recorded. Only live indicators are shown: not suppressed, not expired, not on a warninglist.
/// </summary>
public sealed record ObservableIntel(long IndicatorId, string Type, string Value, double Score, IReadOnlyList<string> Sources, string MatchKind, DateTimeOffset MatchedAt);
