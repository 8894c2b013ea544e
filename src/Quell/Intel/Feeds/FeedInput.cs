using System.Globalization;
using System.Text.Json;
using Cronos;
using Quell.Http;
using Quell.Observables;

namespace Quell.Intel.Feeds;

/// <summary>
/// A feed as a client sent it (<c>POST /api/v1/feeds</c>, or the changed fields of a <c>PATCH</c>). Every wrong field
/// is recorded in <see cref="InputErrors"/> under its name; nothing throws.
/// </summary>
public sealed record FeedInput
{
    public const int MaxName = 200;
    public const int MaxUrl = 4096;
    public const int MaxOptions = 64;
    public const int MaxOptionValue = 8192;

    public string? Name { get; init; }
    public string? Format { get; init; }
    public string? Url { get; init; }
    /// <summary>True when the body named <c>schedule</c> (null clears it).</summary>
    public bool ScheduleSet { get; init; }
    public string? Schedule { get; init; }
    public IReadOnlyDictionary<string, string?>? Options { get; init; }
    public string? WarninglistPolicy { get; init; }
    public bool TlpSet { get; init; }
    public string? Tlp { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public bool? Enabled { get; init; }

    /// <summary>Reads a body; <paramref name="create"/> makes name, format and url required.</summary>
    public static FeedInput? Parse(JsonElement body, InputErrors errors, bool create)
    {
        var f = JsonFields.ForObject(body, errors);
        if (f is null)
            return null;
        var before = errors.Count;
        var name = f.String("name", required: create, maxLength: MaxName);
        if (name is not null && name.Any(char.IsControl))
            errors.Add("name", "name must not contain control characters");
        var format = f.String("format", required: create, maxLength: 64);
        if (format is not null && !FeedFormats.All.Contains(format))
            errors.Add("format", $"format must be one of {string.Join(", ", FeedFormats.All)}");
        var url = f.String("url", required: create, maxLength: MaxUrl);
        if (url is not null && CheckUrl(url) is { } urlError)
            errors.Add("url", urlError);

        var (scheduleSet, schedule) = NullableString(f, "schedule", 256);
        if (schedule is not null && ParseSchedule(schedule) is null)
            errors.Add("schedule", $"schedule '{IndicatorNormalizer.Printable(schedule)}' is not a cron expression (five fields: minute hour day-of-month month day-of-week, e.g. \"0 */6 * * *\", or @hourly, @daily)");

        var policy = f.String("warninglistPolicy", maxLength: 16);
        if (policy is not null && policy is not ("flag" or "drop"))
            errors.Add("warninglistPolicy", "warninglistPolicy must be flag or drop");

        var (tlpSet, tlpText) = NullableString(f, "tlp", 32);
        string? tlp = null;
        if (tlpText is not null)
        {
            if (TlpNames.TryParse(tlpText, out var t))
                tlp = TlpNames.Name(t);
            else
                errors.Add("tlp", "tlp must be one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED");
        }
        var tags = f.Strings("tags", maxItems: 50, maxLength: 256);
        var enabled = f.Bool("enabled");
        var options = ReadOptions(f);
        if (errors.Count > before)
            return null;
        return new FeedInput
        {
            Name = name?.Trim(),
            Format = format,
            Url = url?.Trim(),
            ScheduleSet = scheduleSet,
            Schedule = schedule?.Trim(),
            Options = options,
            WarninglistPolicy = policy,
            TlpSet = tlpSet,
            Tlp = tlp,
            Tags = tags,
            Enabled = enabled,
        };
    }

    /// <summary>http(s)://, file:// or a local path; any other scheme (ftp:, javascript:, data:) is refused.</summary>
    public static string? CheckUrl(string url)
    {
        url = url.Trim();
        if (url.Any(char.IsControl))
            return "url must not contain control characters";
        if (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Host.Length > 0 ? null : $"url '{IndicatorNormalizer.Printable(url)}' is not a valid http(s) URL";
        if (url.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
            return Uri.TryCreate(url, UriKind.Absolute, out var u) && u.IsFile ? null : $"url '{IndicatorNormalizer.Printable(url)}' is not a valid file:// URL";
        // Anything else that looks like "scheme:" (but not a Windows drive "C:\") is a scheme we do not fetch.
        var colon = url.IndexOf(':', StringComparison.Ordinal);
        if (colon > 1 && url[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
            return "url must be an http:// or https:// URL, a file:// URL or a local path";
        return null;
    }

    /// <summary>Parses a five-field cron expression (or @hourly, @daily, ...); null when it is not one.</summary>
    public static CronExpression? ParseSchedule(string schedule) =>
        CronExpression.TryParse(schedule.Trim(), CronFormat.Standard, out var cron) ? cron : null;

    static (bool Set, string? Value) NullableString(JsonFields f, string name, int maxLength)
    {
        if (!f.Object.TryGetProperty(name, out var v))
            return (false, null);
        return v.ValueKind == JsonValueKind.Null ? (true, null) : (true, f.String(name, maxLength: maxLength));
    }

    /// <summary>
    /// Options: a JSON object whose values are strings, numbers or booleans (kept as text, as readers take them);
    /// null removes the option on PATCH.
    /// </summary>
    static Dictionary<string, string?>? ReadOptions(JsonFields f)
    {
        if (!f.TryGet("options", out var v))
            return null;
        if (v.ValueKind != JsonValueKind.Object)
        {
            f.Errors.Add("options", "options must be a JSON object of option names to values");
            return null;
        }
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var p in v.EnumerateObject())
        {
            string key;
            try { key = p.Name; }
            catch (InvalidOperationException) { f.Errors.Add("options", JsonFields.NotTextMessage("options")); continue; }
            var path = $"options.{IndicatorNormalizer.Printable(key)}";
            if (key.Length is 0 or > 64 || key.Any(char.IsControl))
            {
                f.Errors.Add("options", $"option names must be 1-64 characters without control characters ({path})");
                continue;
            }
            switch (p.Value.ValueKind)
            {
                case JsonValueKind.Null:
                    options[key] = null;
                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    options[key] = p.Value.GetBoolean() ? "true" : "false";
                    break;
                case JsonValueKind.Number:
                    options[key] = p.Value.GetRawText();
                    break;
                case JsonValueKind.String when JsonFields.TryText(p.Value, out var text) && text.Length <= MaxOptionValue:
                    options[key] = text;
                    break;
                default:
                    f.Errors.Add(path, $"{path} must be a string, number or boolean of at most {MaxOptionValue.ToString(CultureInfo.InvariantCulture)} characters");
                    break;
            }
        }
        if (options.Count > MaxOptions)
            f.Errors.Add("options", $"options holds at most {MaxOptions} entries");
        return options;
    }
}
