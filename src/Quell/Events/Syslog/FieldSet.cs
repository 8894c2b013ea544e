namespace Quell.Events.Syslog;

/// <summary>The fields of one event as parsers fill them: plain values, repeated names as lists, related.* as sets, errors joined.</summary>
internal sealed class FieldSet
{
    readonly Dictionary<string, object?> _fields = new(16, StringComparer.Ordinal);
    List<object?>? _relatedIp, _relatedHosts, _relatedUser;

    public IReadOnlyDictionary<string, object?> Fields => _fields;

    public bool Contains(string name) => _fields.ContainsKey(name);

    public void Set(string name, object? value) => _fields[name] = value;

    /// <summary>Adds a value; a name given twice (a structured-data parameter repeated) becomes a list of its values.</summary>
    public void Add(string name, object? value)
    {
        if (!_fields.TryGetValue(name, out var existing))
            _fields[name] = value;
        else if (existing is List<object?> list)
            list.Add(value);
        else
            _fields[name] = new List<object?> { existing, value };
    }

    /// <summary>Records a parse problem; several are joined, so the first never hides the others.</summary>
    public void Error(string message) =>
        _fields[SyslogFields.ParseError] = _fields.TryGetValue(SyslogFields.ParseError, out var e) && e is string s ? s + "; " + message : message;

    public void RelatedIp(string value) => AddDistinct(ref _relatedIp, SyslogFields.RelatedIp, value);
    public void RelatedHost(string value) => AddDistinct(ref _relatedHosts, SyslogFields.RelatedHosts, value);
    public void RelatedUser(string value) => AddDistinct(ref _relatedUser, SyslogFields.RelatedUser, value);

    void AddDistinct(ref List<object?>? list, string name, string value)
    {
        if (value.Length == 0)
            return;
        if (list is null)
        {
            list = [];
            _fields[name] = list;
        }
        if (!list.Contains(value))
            list.Add(value);
    }
}
