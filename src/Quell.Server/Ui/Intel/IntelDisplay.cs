using System.Globalization;
using Quell.Intel;
using Quell.Server.Ui.Shared;

namespace Quell.Server.Ui.Intel;

/// <summary>How the intel pages show indicator values, scores and counts.</summary>
public static class IntelDisplay
{
    /// <summary>
    /// The value defanged by its MISP type (<see cref="Defang"/>): addresses, host names, URLs and e-mail addresses by
    /// their kind, each part of a composite (<c>domain|ip</c>, <c>filename|sha256</c>) by its own type, anything else as
    /// text with the URLs and addresses inside it defanged.
    /// </summary>
    public static string Defanged(string type, string value)
    {
        if (IndicatorTypes.Parts(type) is { } parts)
        {
            var pieces = value.Split('|', parts.Length);
            return string.Join("|", pieces.Select((p, i) => One(i < parts.Length ? parts[i] : "text", p)));
        }
        return One(type, value);
    }

    static string One(string type, string value) => IndicatorTypes.KindOf(type) switch
    {
        IndicatorKind.Ip => Defang.Ip(value),
        IndicatorKind.Domain => Defang.Host(value),
        IndicatorKind.Url => Defang.Url(value),
        IndicatorKind.Email => Defang.Mail(value),
        IndicatorKind.Hash => value,
        _ => Defang.Text(value),
    };

    /// <summary>Values in tables: the first <paramref name="max"/> characters, on one line.</summary>
    public static string Cut(string text, int max = 200)
    {
        var line = text.ReplaceLineEndings(" ⏎ ");
        return line.Length <= max ? line : line[..max] + "…";
    }

    public static string Score(double score) => score.ToString("0.#", CultureInfo.InvariantCulture);

    public static string Number(double n, string format = "0.###") => n.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>An age in days as people read it: "8 s", "5 min", "3 h", "12 d".</summary>
    public static string Age(double days)
    {
        var t = TimeSpan.FromDays(days);
        return t.TotalMinutes < 1 ? $"{(int)t.TotalSeconds} s"
            : t.TotalHours < 1 ? $"{(int)t.TotalMinutes} min"
            : t.TotalDays < 2 ? $"{(int)t.TotalHours} h"
            : $"{(int)t.TotalDays} d";
    }

    /// <summary>CSS class of a score: high, medium, low (expired and suppressed indicators read as low).</summary>
    public static string ScoreClass(double score) => score >= 60 ? "score-high" : score > 30 ? "score-medium" : "score-low";
}
