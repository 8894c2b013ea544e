namespace Quell.Intel.Decay;

/// <summary>What the score of an indicator is computed from.</summary>
public sealed record DecayInput(string Type, IReadOnlyList<string> Tags, int? Confidence, long? FirstSeen, long? LastSeen, long CreatedAt, SightingSummary Sightings);

/// <summary>A score (0-100, rounded to 0.1) with every step that produced it.</summary>
public sealed record IndicatorScore(double Score, bool Expired, bool Suppressed, ScoreExplanation Explanation);

/// <summary>
/// The explanation of a score: the model and its parameters, the base score and its inputs, the time the age is
/// counted from and why, the decay factor, and each adjustment in the order applied.
/// </summary>
public sealed record ScoreExplanation(
    string Model, double LifetimeDays, double DecaySpeed, double Threshold,
    double BaseScore, IReadOnlyList<ScoreInput> BaseInputs,
    long ReferenceTime, string ReferenceFrom, double AgeDays, double DecayFactor,
    IReadOnlyList<string> Adjustments);

/// <summary>
/// MISP's decay, computed at read time: <c>score = base × (1 − (t/τ)^(1/δ))</c>, then sightings.
/// <list type="bullet">
/// <item>t counts from the latest of last_seen and the latest seen or true-positive sighting (else first_seen, else
/// when the indicator was stored): being seen again makes an indicator fresh, as in MISP.</item>
/// <item>Each false-positive sighting not offset by a true-positive halves the score; with
/// <see cref="SuppressAfterFalsePositives"/> or more of them the indicator is suppressed (score 0, no match).</item>
/// <item>An expiration sighting later than the reference time expires the indicator (score 0).</item>
/// <item>A score at or below the model's threshold is expired, as MISP's "decayed".</item>
/// </list>
/// </summary>
public static class DecayScoring
{
    /// <summary>Net false-positive sightings (false positives minus true positives) that suppress an indicator.</summary>
    public const int SuppressAfterFalsePositives = 3;

    const double MsPerDay = 86_400_000;

    public static IndicatorScore Score(DecayInput input, DateTimeOffset now)
    {
        var model = DecayModel.For(input.Type, input.Tags);
        var (baseScore, inputs) = BaseScore.Compute(model, input.Tags, input.Confidence);
        var s = input.Sightings;

        var (reference, from) = (input.CreatedAt, "stored");
        if (input.FirstSeen is { } first)
            (reference, from) = (first, "first seen");
        if (input.LastSeen is { } last)
            (reference, from) = (last, "last seen");
        if (s.LastSeenAt is { } seen && seen > reference)
            (reference, from) = (seen, "seen sighting");
        if (s.LastTruePositiveAt is { } tp && tp > reference)
            (reference, from) = (tp, "true-positive sighting");

        var age = Math.Max(0, (now.ToUnixTimeMilliseconds() - reference) / MsPerDay);
        var factor = model.Factor(age);
        var score = baseScore * factor;
        var adjustments = new List<string>();
        var netFalsePositives = Math.Max(0, s.FalsePositive - s.TruePositive);
        var suppressed = netFalsePositives >= SuppressAfterFalsePositives;
        var expired = false;
        if (suppressed)
        {
            score = 0;
            adjustments.Add($"suppressed: {s.FalsePositive} false-positive against {s.TruePositive} true-positive sightings (suppressed at {SuppressAfterFalsePositives} net)");
        }
        else if (netFalsePositives > 0)
        {
            score *= Math.Pow(0.5, netFalsePositives);
            adjustments.Add($"× {Math.Pow(0.5, netFalsePositives):0.###}: {netFalsePositives} net false-positive sighting(s), each halves the score");
        }
        if (s.LastExpirationAt is { } expiration && expiration >= reference)
        {
            score = 0;
            expired = true;
            adjustments.Add("expired by an expiration sighting");
        }
        if (!expired && score <= model.Threshold)
        {
            expired = true;
            adjustments.Add($"expired: score at or below the model's threshold {model.Threshold:0.##}");
        }
        return new IndicatorScore(Math.Round(score, 1), expired, suppressed,
            new ScoreExplanation(model.Name, model.LifetimeDays, model.DecaySpeed, model.Threshold, Math.Round(baseScore, 2), inputs,
                reference, from, Math.Round(age, 3), Math.Round(factor, 4), adjustments));
    }
}
