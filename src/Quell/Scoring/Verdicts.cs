namespace Quell.Scoring;

/// <summary>A score's verdict. Stored and sent by name: never rename.</summary>
public static class ScoreVerdict
{
    public const string Malicious = "malicious";
    public const string Suspicious = "suspicious";
    public const string Safe = "safe";
    public const string Unknown = "unknown";
}

/// <summary>An analyst's decision on an alert or a case (a case's resolution). Stored by name: never rename.</summary>
public static class AnalystVerdict
{
    public const string TruePositive = "true-positive";
    public const string FalsePositive = "false-positive";
    public const string Benign = "benign";

    /// <summary>The verdicts that teach the score: whether the thing was malicious or not.</summary>
    public static readonly string[] Learned = [TruePositive, FalsePositive, Benign];

    public static bool IsLearned(string? verdict) => verdict is TruePositive or FalsePositive or Benign;
}
