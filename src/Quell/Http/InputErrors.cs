namespace Quell.Http;

/// <summary>Collects every problem of one request body so the client learns all of them in one answer.</summary>
public sealed class InputErrors
{
    readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    /// <summary>Number of messages so far; parsers compare it before and after to know whether their part was valid.</summary>
    public int Count => _errors.Values.Sum(l => l.Count);

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
            _errors[field] = list = [];
        list.Add(message);
    }

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());

    /// <summary>One line per error, e.g. "severity must be 1-4".</summary>
    public string Summary() => string.Join("; ", _errors.SelectMany(kv => kv.Value));

    public void AddAll(InputErrors other, string prefix)
    {
        foreach (var (field, messages) in other._errors)
            foreach (var m in messages)
                Add(prefix + field, prefix + m);
    }
}
