namespace Quell.Intel.Flagging;

/// <summary>A table of observables the flagger looks up: alerts' or cases'. <see cref="OwnerKind"/> is stored: never rename.</summary>
public sealed record FlagSource(string Table, string OwnerColumn, string OwnerKind)
{
    public const string AlertKind = "alert";
    public const string CaseKind = "case";

    public static readonly FlagSource Alerts = new(FlagCursors.AlertObservables, "alert_id", AlertKind);
    public static readonly FlagSource Cases = new(FlagCursors.CaseObservables, "case_id", CaseKind);

    public static readonly IReadOnlyList<FlagSource> All = [Alerts, Cases];
}
