using System.Text.Json;
using Quell.Http;

namespace Quell.Observables;

/// <summary>An observable as posted (TheHive shape: dataType, data, ioc, sighted, tags, message), already normalized.</summary>
public sealed class ObservableInput
{
    public string DataType { get; init; } = "";
    public string Data { get; init; } = "";
    public bool Ioc { get; init; }
    public bool Sighted { get; init; }
    public string[] Tags { get; init; } = [];
    public string? Message { get; init; }

    /// <summary>Longest value in characters (long phishing URLs exist; PostgreSQL indexes a digest of the value, see Schema).</summary>
    public const int MaxDataLength = 64 * 1024;

    /// <summary>Parses a JSON array of observables; errors are recorded under <paramref name="field"/>[i].</summary>
    public static List<ObservableInput> ParseList(JsonFields f, string field, int maxItems)
    {
        var list = new List<ObservableInput>();
        if (!f.TryGet(field, out var arr))
            return list;
        if (arr.ValueKind != JsonValueKind.Array)
        {
            f.Errors.Add(f.Path(field), $"{f.Path(field)} must be an array");
            return list;
        }
        if (arr.GetArrayLength() > maxItems)
        {
            f.Errors.Add(f.Path(field), $"{f.Path(field)} must have at most {maxItems} items");
            return list;
        }
        var i = 0;
        foreach (var item in arr.EnumerateArray())
        {
            var o = Parse(item, f.Errors, $"{f.Path(field)}[{i}].");
            if (o is not null)
                list.Add(o);
            i++;
        }
        return Deduplicate(list);
    }

    public static ObservableInput? Parse(JsonElement item, InputErrors errors, string prefix)
    {
        var o = JsonFields.ForObject(item, errors, prefix);
        if (o is null)
            return null;
        var rawType = o.String("dataType", required: true, maxLength: 64);
        var data = o.String("data", required: true, maxLength: MaxDataLength);
        var ioc = o.Bool("ioc") ?? false;
        var sighted = o.Bool("sighted") ?? false;
        var tags = o.Strings("tags") ?? [];
        var message = o.String("message", maxLength: 16 * 1024, allowEmpty: true);
        string? type = null;
        if (rawType is not null)
        {
            type = ObservableTypes.Canonical(rawType);
            if (type is null)
                errors.Add(o.Path("dataType"), $"{o.Path("dataType")} '{Escape(rawType)}' is unknown; use one of {ObservableTypes.AllowedList}");
        }
        string? normalized = null;
        if (type is not null && data is not null)
        {
            normalized = ObservableTypes.Normalize(type, data, out var error);
            if (error is not null)
                errors.Add(o.Path("data"), $"{o.Path("data")}: {error}");
        }
        if (type is null || normalized is null)
            return null;
        return new ObservableInput { DataType = type, Data = normalized, Ioc = ioc, Sighted = sighted, Tags = tags, Message = message };
    }

    /// <summary>Merges repeats of one (type, value) in a single request: flags OR-ed, tags united.</summary>
    public static List<ObservableInput> Deduplicate(IEnumerable<ObservableInput> items) =>
        items.GroupBy(o => (o.DataType, o.Data))
            .Select(g => g.Count() == 1 ? g.First() : Merge(g.First(), g.Skip(1)))
            .ToList();

    public static ObservableInput Merge(ObservableInput first, IEnumerable<ObservableInput> rest)
    {
        var all = rest.Prepend(first).ToList();
        return new ObservableInput
        {
            DataType = first.DataType,
            Data = first.Data,
            Ioc = all.Any(o => o.Ioc),
            Sighted = all.Any(o => o.Sighted),
            Tags = all.SelectMany(o => o.Tags).Distinct(StringComparer.Ordinal).ToArray(),
            Message = all.Select(o => o.Message).FirstOrDefault(m => !string.IsNullOrEmpty(m)),
        };
    }

    /// <summary>Control characters from untrusted input never reach a message verbatim.</summary>
    static string Escape(string s)
    {
        var t = new string(s.Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());
        return t.Length <= 64 ? t : t[..64] + "…";
    }
}
