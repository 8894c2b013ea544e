namespace Quell.Intel.Decay;

/// <summary>
/// One of MISP's polynomial decaying models: <c>score = base × (1 − (t/τ)^(1/δ))</c> with t the age in days,
/// τ = <see cref="LifetimeDays"/>, δ = <see cref="DecaySpeed"/>; an indicator whose score falls to
/// <see cref="Threshold"/> or below is expired. Parameters of the MISP models are those of MISP/misp-decaying-models.
/// </summary>
public sealed record DecayModel(string Name, double LifetimeDays, double DecaySpeed, double Threshold, double DefaultBaseScore)
{
    /// <summary>MISP "NIDS Simple Decaying Model" (models/nids-simple-model.json): network indicators.</summary>
    public static readonly DecayModel Nids = new("NIDS Simple Decaying Model", 120, 2, 30, 80);

    /// <summary>MISP "Phishing model" (models/phishing-model.json): phishing sites go offline within days.</summary>
    public static readonly DecayModel Phishing = new("Phishing model", 3, 2.3, 30, 80);

    /// <summary>
    /// Quell's model for what MISP ships no model for (hashes, file names, e-mail addresses, ...): a file stays the same
    /// file, so it decays over a year and slowly at first.
    /// </summary>
    public static readonly DecayModel LongLived = new("Quell long-lived model", 365, 1, 30, 80);

    public static readonly IReadOnlyList<DecayModel> All = [Nids, Phishing, LongLived];

    /// <summary>The types both MISP models list.</summary>
    static readonly HashSet<string> NetworkTypes = new(StringComparer.Ordinal)
    {
        "domain", "domain|ip", "hostname", "hostname|port", "ip-dst", "ip-dst|port", "ip-src", "ip-src|port", "url",
        "snort", "suricata", "zeek", "bro",
    };

    static readonly HashSet<string> PhishingTypes = new(StringComparer.Ordinal)
    {
        "domain", "domain|ip", "hostname", "hostname|port", "ip-dst", "ip-dst|port", "ip-src", "ip-src|port", "url",
    };

    /// <summary>
    /// The model for an indicator: the phishing model for a network indicator tagged as phishing (a tag holding
    /// "phish", as PhishTank, OpenPhish and MISP's <c>phishing:</c> taxonomy tag them), the NIDS model for other network
    /// indicators and NIDS signatures, the long-lived model for the rest.
    /// </summary>
    public static DecayModel For(string type, IReadOnlyList<string> tags)
    {
        if (PhishingTypes.Contains(type) && tags.Any(t => t.Contains("phish", StringComparison.OrdinalIgnoreCase)))
            return Phishing;
        return NetworkTypes.Contains(type) ? Nids : LongLived;
    }

    /// <summary>The polynomial factor (1 − (t/τ)^(1/δ)) in [0, 1] for an age in days.</summary>
    public double Factor(double ageDays) =>
        ageDays <= 0 ? 1 : ageDays >= LifetimeDays ? 0 : 1 - Math.Pow(ageDays / LifetimeDays, 1 / DecaySpeed);
}
