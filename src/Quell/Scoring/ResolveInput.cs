using System.Text.Json;
using Quell.Cases;
using Quell.Http;
using Quell.Observables;

namespace Quell.Scoring;

/// <summary>The body of <c>POST …/resolve</c>: <c>{verdict, comment?, allowlist?: [{dataType, data, expiresAt?}]}</c>
/// (<c>resolution</c> is accepted for <c>verdict</c>, as the case contract names it).</summary>
public sealed record ResolveInput(string Verdict, string? Comment, IReadOnlyList<AllowlistEntry> Allowlist)
{
    public const int MaxAllowlist = 100;
    public const int MaxComment = 4096;

    public static ResolveInput? Parse(JsonElement body, string[] verdicts, long now, InputErrors errors)
    {
        var f = JsonFields.ForObject(body, errors);
        if (f is null)
            return null;
        var field = f.Has("verdict") || !f.Has("resolution") ? "verdict" : "resolution";
        var verdict = f.String(field, required: true, maxLength: 32);
        if (verdict is not null && !verdicts.Contains(verdict))
            errors.Add(field, $"{field} must be one of {string.Join(", ", verdicts)}; '{Safe(verdict)}' is not");
        var comment = f.String("comment", maxLength: MaxComment);
        var allowlist = new List<AllowlistEntry>();
        if (f.TryGet("allowlist", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array)
                errors.Add("allowlist", "allowlist must be an array of {dataType, data, expiresAt}");
            else if (list.GetArrayLength() > MaxAllowlist)
                errors.Add("allowlist", $"allowlist takes at most {MaxAllowlist} entries");
            else
            {
                var i = 0;
                foreach (var item in list.EnumerateArray())
                {
                    var e = JsonFields.ForObject(item, errors, $"allowlist[{i}].");
                    i++;
                    if (e is null)
                        continue;
                    var type = e.String("dataType", required: true, maxLength: 64);
                    var data = e.String("data", required: true, maxLength: 8192);
                    var expires = e.Time("expiresAt");
                    var canonical = type is null ? null : ObservableTypes.Canonical(type);
                    if (type is not null && canonical is null)
                        errors.Add(e.Path("dataType"), $"{e.Path("dataType")} must be one of {ObservableTypes.AllowedList}");
                    if (expires is { } x && x <= now)
                        errors.Add(e.Path("expiresAt"), $"{e.Path("expiresAt")} must be in the future");
                    if (canonical is not null && data is not null)
                    {
                        var normal = ObservableTypes.Normalize(canonical, data, out var error);
                        if (normal is null)
                            errors.Add(e.Path("data"), $"{e.Path("data")}: {error}");
                        else
                            allowlist.Add(new AllowlistEntry(canonical, normal, expires));
                    }
                }
            }
        }
        if (allowlist.Count > 0 && verdict == AnalystVerdict.TruePositive)
            errors.Add("allowlist", "allowlist entries are for false-positive or benign verdicts, not true-positive");
        return errors.Any ? null : new ResolveInput(verdict!, comment, allowlist);
    }

    /// <summary>Alerts and cases take every case resolution; duplicate and indeterminate close without teaching the score.</summary>
    public static readonly string[] Verdicts = CaseResolution.All;

    static string Safe(string s) => new([.. s.Take(32).Select(ch => char.IsControl(ch) ? '?' : ch)]);
}
