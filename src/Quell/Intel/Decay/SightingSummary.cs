namespace Quell.Intel.Decay;

/// <summary>Sightings of one indicator by type: how many and the latest of each (Unix milliseconds).</summary>
public sealed record SightingSummary(
    int Seen = 0, long? LastSeenAt = null,
    int FalsePositive = 0, long? LastFalsePositiveAt = null,
    int Expiration = 0, long? LastExpirationAt = null,
    int TruePositive = 0, long? LastTruePositiveAt = null)
{
    public static readonly SightingSummary None = new();
}

/// <summary>Sighting types (MISP's seen, false-positive, expiration; Quell adds true-positive, an analyst's confirmation).</summary>
public static class SightingTypes
{
    public const string Seen = "seen";
    public const string FalsePositive = "false-positive";
    public const string Expiration = "expiration";
    public const string TruePositive = "true-positive";

    public static readonly string[] All = [Seen, FalsePositive, Expiration, TruePositive];
}
