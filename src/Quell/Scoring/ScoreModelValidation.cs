using System.Globalization;
using Microsoft.Extensions.Options;

namespace Quell.Scoring;

/// <summary>
/// Start-up check of the <c>Scoring</c> section: every wrong number is named by its configuration key with the range it
/// must be in, so a typo stops the server instead of skewing every score.
/// </summary>
public sealed class ScoreModelValidation : IValidateOptions<ScoreModel>
{
    public ValidateOptionsResult Validate(string? name, ScoreModel m)
    {
        var errors = Errors(m);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static List<string> Errors(ScoreModel m)
    {
        var errors = new List<string>();
        void Check(bool ok, string key, object value, string rule)
        {
            if (!ok)
                errors.Add($"{ScoreModel.Section}:{key} {rule}; {Convert.ToString(value, CultureInfo.InvariantCulture)} is not");
        }
        static bool Finite(double v) => double.IsFinite(v);

        Check(m.BaseRate is > 0 and < 1, nameof(m.BaseRate), m.BaseRate, "must be a share between 0 and 1, exclusive (0.1 = 10 % malicious)");
        Check(Finite(m.Malicious) && m.Malicious > 0, nameof(m.Malicious), m.Malicious, "must be positive points");
        Check(Finite(m.Suspicious) && m.Suspicious >= 0 && m.Suspicious <= m.Malicious, nameof(m.Suspicious), m.Suspicious, "must be between 0 and Scoring:Malicious");
        Check(Finite(m.Safe) && m.Safe < 0, nameof(m.Safe), m.Safe, "must be negative points");
        Check(Finite(m.IntelAtFullScore) && m.IntelAtFullScore >= 0, nameof(m.IntelAtFullScore), m.IntelAtFullScore, "must be zero or positive points");
        Check(Finite(m.HistoryPerDecision) && m.HistoryPerDecision >= 0, nameof(m.HistoryPerDecision), m.HistoryPerDecision, "must be zero or positive points");
        Check(Finite(m.KindHistoryPerDecision) && m.KindHistoryPerDecision >= 0, nameof(m.KindHistoryPerDecision), m.KindHistoryPerDecision, "must be zero or positive points");
        Check(m.HistoryCap is >= 0 and <= 100, nameof(m.HistoryCap), m.HistoryCap, "must be between 0 and 100 decisions");
        Check(Finite(m.Allowlisted) && m.Allowlisted <= 0, nameof(m.Allowlisted), m.Allowlisted, "must be zero or negative points");
        Check(m.BonusShare is >= 0 and <= 1, nameof(m.BonusShare), m.BonusShare, "must be a share between 0 and 1");
        Check(Finite(m.BonusCap) && m.BonusCap >= 0, nameof(m.BonusCap), m.BonusCap, "must be zero or positive points");
        Check(m.SuspiciousAt is >= 1 and <= 100, nameof(m.SuspiciousAt), m.SuspiciousAt, "must be a score between 1 and 100");
        Check(m.MaliciousAt is >= 1 and <= 100 && m.MaliciousAt >= m.SuspiciousAt, nameof(m.MaliciousAt), m.MaliciousAt,
            "must be a score between Scoring:SuspiciousAt and 100");
        Check(Finite(m.SafeAtOrBelow) && m.SafeAtOrBelow <= 0, nameof(m.SafeAtOrBelow), m.SafeAtOrBelow, "must be zero or negative points");
        Check(m.DefaultWeight is >= 0 and <= 10, nameof(m.DefaultWeight), m.DefaultWeight, "must be a weight between 0 and 10");
        foreach (var (source, w) in m.Weights)
            Check(w is >= 0 and <= 10, $"Weights:{source}", w, "must be a weight between 0 and 10");
        Check(m.DefaultReliability is > 0 and < 1, nameof(m.DefaultReliability), m.DefaultReliability, "must be between 0 and 1, exclusive");
        foreach (var (source, r) in m.Reliabilities)
            Check(r is > 0 and < 1, $"Reliabilities:{source}", r, "must be between 0 and 1, exclusive");
        return errors;
    }
}
