using Quell.Intel.Decay;

namespace Quell.Tests.Intel.Decay;

/// <summary>MISP's polynomial decay, checked against values computed by hand from score = base × (1 − (t/τ)^(1/δ)).</summary>
public sealed class DecayScoringTests
{
    static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    static long DaysAgo(double days) => Now.AddDays(-days).ToUnixTimeMilliseconds();

    static IndicatorScore Score(string type, double lastSeenDaysAgo, string[]? tags = null, int? confidence = null, SightingSummary? sightings = null) =>
        DecayScoring.Score(new DecayInput(type, tags ?? [], confidence, null, DaysAgo(lastSeenDaysAgo), DaysAgo(400), sightings ?? SightingSummary.None), Now);

    [Fact]
    public void A_network_indicator_at_a_quarter_of_the_nids_lifetime_keeps_half_its_score()
    {
        // τ = 120, δ = 2: 80 × (1 − (30/120)^(1/2)) = 80 × 0.5 = 40.
        var s = Score("ip-dst", 30);
        Assert.Equal(40, s.Score);
        Assert.False(s.Expired);
        Assert.Equal("NIDS Simple Decaying Model", s.Explanation.Model);
        Assert.Equal(80, s.Explanation.BaseScore);
        Assert.Equal(0.5, s.Explanation.DecayFactor);
        Assert.Equal("last seen", s.Explanation.ReferenceFrom);
    }

    [Fact]
    public void A_network_indicator_at_half_the_nids_lifetime_is_expired()
    {
        // 80 × (1 − 0.5^(1/2)) = 23.43, at or below the threshold 30.
        var s = Score("domain", 60);
        Assert.Equal(23.4, s.Score);
        Assert.True(s.Expired);
        Assert.Contains(s.Explanation.Adjustments, a => a.Contains("threshold 30", StringComparison.Ordinal));
    }

    [Fact]
    public void A_phishing_url_decays_within_days()
    {
        // τ = 3, δ = 2.3: 80 × (1 − (1/3)^(1/2.3)) = 30.38; after 3 days nothing is left.
        var day = Score("url", 1, ["phishing"]);
        Assert.Equal("Phishing model", day.Explanation.Model);
        Assert.Equal(30.4, day.Score);
        Assert.False(day.Expired);
        var gone = Score("url", 3, ["osint:source-type=\"block-or-filter-list\"", "PhishTank"]);
        Assert.Equal(0, gone.Score);
        Assert.True(gone.Expired);
    }

    [Fact]
    public void A_hash_decays_linearly_over_a_year()
    {
        // Long-lived model τ = 365, δ = 1: 80 × (1 − 73/365) = 64.
        var s = Score("sha256", 73);
        Assert.Equal("Quell long-lived model", s.Explanation.Model);
        Assert.Equal(64, s.Score);
    }

    [Fact]
    public void Taxonomy_tags_and_confidence_set_the_base_score()
    {
        // admiralty-scale B = 75, confidence 50: base (75 + 50) / 2 = 62.5, undecayed at t = 0.
        var s = Score("ip-dst", 0, ["admiralty-scale:source-reliability=\"b\"", "malware"], confidence: 50);
        Assert.Equal(62.5, s.Score);
        Assert.Equal([new ScoreInput("admiralty-scale:source-reliability=\"b\"", 75), new ScoreInput("confidence", 50)], s.Explanation.BaseInputs);
    }

    [Fact]
    public void Each_false_positive_halves_the_score_and_three_suppress_the_indicator()
    {
        var one = Score("ip-dst", 0, sightings: new SightingSummary(FalsePositive: 1, LastFalsePositiveAt: DaysAgo(0)));
        Assert.Equal(40, one.Score);
        Assert.False(one.Expired);
        var two = Score("ip-dst", 0, sightings: new SightingSummary(FalsePositive: 2, LastFalsePositiveAt: DaysAgo(0)));
        Assert.Equal(20, two.Score);
        Assert.True(two.Expired);
        Assert.False(two.Suppressed);
        var three = Score("ip-dst", 0, sightings: new SightingSummary(FalsePositive: 3, LastFalsePositiveAt: DaysAgo(0)));
        Assert.Equal(0, three.Score);
        Assert.True(three.Suppressed);
        var offset = Score("ip-dst", 0, sightings: new SightingSummary(FalsePositive: 3, TruePositive: 1, LastTruePositiveAt: DaysAgo(0)));
        Assert.False(offset.Suppressed);
        Assert.Equal(20, offset.Score);
    }

    [Fact]
    public void A_seen_sighting_makes_an_old_indicator_fresh()
    {
        var s = Score("ip-dst", 100, sightings: new SightingSummary(Seen: 1, LastSeenAt: DaysAgo(0)));
        Assert.Equal(80, s.Score);
        Assert.Equal("seen sighting", s.Explanation.ReferenceFrom);
    }

    [Fact]
    public void An_expiration_sighting_expires_until_the_indicator_is_seen_again()
    {
        var expired = Score("ip-dst", 1, sightings: new SightingSummary(Expiration: 1, LastExpirationAt: DaysAgo(0.5)));
        Assert.Equal((0.0, true), (expired.Score, expired.Expired));
        var back = Score("ip-dst", 1, sightings: new SightingSummary(Expiration: 1, LastExpirationAt: DaysAgo(0.5), Seen: 1, LastSeenAt: DaysAgo(0)));
        Assert.False(back.Expired);
        Assert.Equal(80, back.Score);
    }

    [Fact]
    public void Without_any_date_the_age_counts_from_when_the_indicator_was_stored()
    {
        var s = DecayScoring.Score(new DecayInput("ip-dst", [], null, null, null, DaysAgo(30), SightingSummary.None), Now);
        Assert.Equal("stored", s.Explanation.ReferenceFrom);
        Assert.Equal(40, s.Score);
    }
}
