using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Quell.Http;
using Quell.Intel.Feeds;
using Quell.Server.Ui.Cases;

namespace Quell.Server.Ui.Intel;

/// <summary>What the feed pages post, turned into the JSON bodies the feed API parses.</summary>
public static class FeedForms
{
    /// <summary>
    /// Reader options typed one per line as <c>name=value</c> (blank lines and lines starting with # skipped), as the
    /// API's <c>options</c> object; a line without "=" is an error on <c>options</c> naming the line.
    /// </summary>
    public static Dictionary<string, string>? Options(string? text, InputErrors errors)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in (text ?? "").Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                errors.Add("options", $"options line {number.ToString(CultureInfo.InvariantCulture)} is not name=value");
                continue;
            }
            options[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }
        return errors.Any ? null : options;
    }

    /// <summary>The options of a feed as the form shows them (secret ones masked, as the API shows them).</summary>
    public static string OptionsText(FeedRow feed) =>
        string.Join("\n", FeedSecrets.ReadPlain(feed.OptionsJson).Select(kv => $"{kv.Key}={kv.Value}"));

    /// <summary>The new feed's id from the API's 201 (its Location).</summary>
    public static long? CreatedId(IResult result) =>
        result is Created<object> { Location: { } location } && long.TryParse(location[(location.LastIndexOf('/') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id : null;

    /// <summary>"12 added, 3 updated, 1 removed" and the dropped and rejected counts when there are any.</summary>
    public static string Counts(int added, int updated, int removed, int dropped, int rejected)
    {
        var s = $"+{added} ~{updated} −{removed}";
        if (dropped > 0)
            s += $", {dropped} dropped";
        if (rejected > 0)
            s += $", {rejected} rejected";
        return s;
    }

    /// <summary>A posted form as the JSON body a client would send (for FeedInput.Parse).</summary>
    public static System.Text.Json.JsonElement Body(IReadOnlyDictionary<string, object?> fields) => CaseForms.Body(fields);
}
