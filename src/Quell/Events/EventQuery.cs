using System.Text;

namespace Quell.Events;

/// <summary>One term of a search: a field equal to a value, or free text found in the raw event.</summary>
public sealed record EventTerm(string? Field, string Value);

/// <summary>
/// The search language: terms separated by spaces, all of which must hold. <c>field:value</c> is equality on a
/// flattened field (any element when the field is a list); <c>field:"a value"</c> quotes; a bare word or a
/// "quoted phrase" must occur in the raw event (case-insensitive).
/// </summary>
public static class EventQuery
{
    public const int MaxTerms = 16;
    public const int MaxLength = 2000;

    /// <summary>The terms of <paramref name="q"/>, or null with <paramref name="error"/> naming what is wrong and where.</summary>
    public static IReadOnlyList<EventTerm>? Parse(string? q, out string? error)
    {
        error = null;
        var terms = new List<EventTerm>();
        if (string.IsNullOrWhiteSpace(q))
            return terms;
        if (q.Length > MaxLength)
        {
            error = $"q must be at most {MaxLength} characters";
            return null;
        }
        var i = 0;
        while (i < q.Length)
        {
            if (char.IsWhiteSpace(q[i]))
            {
                i++;
                continue;
            }
            var start = i;
            string? field = null;
            if (q[i] != '"')
            {
                while (i < q.Length && !char.IsWhiteSpace(q[i]) && q[i] != ':' && q[i] != '"')
                    i++;
                if (i < q.Length && q[i] == ':')
                {
                    field = q[start..i];
                    if (field.Length == 0)
                    {
                        error = $"q: a field name is missing before ':' at position {start + 1}";
                        return null;
                    }
                    if (!field.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@' or '#'))
                    {
                        error = $"q: field name '{field}' may hold only letters, digits and . _ - @ #";
                        return null;
                    }
                    i++;
                }
                else if (i < q.Length && q[i] == '"')
                {
                    error = $"q: unexpected '\"' at position {i + 1}; quote a whole value (field:\"a b\") or phrase (\"a b\")";
                    return null;
                }
                else
                {
                    terms.Add(new EventTerm(null, q[start..i]));
                    if (terms.Count > MaxTerms)
                        break;
                    continue;
                }
            }
            string value;
            if (i < q.Length && q[i] == '"')
            {
                var sb = new StringBuilder();
                var open = i++;
                var closed = false;
                while (i < q.Length)
                {
                    if (q[i] == '\\' && i + 1 < q.Length && q[i + 1] is '"' or '\\')
                    {
                        sb.Append(q[i + 1]);
                        i += 2;
                        continue;
                    }
                    if (q[i] == '"')
                    {
                        closed = true;
                        i++;
                        break;
                    }
                    sb.Append(q[i++]);
                }
                if (!closed)
                {
                    error = $"q: the quote opened at position {open + 1} is not closed";
                    return null;
                }
                value = sb.ToString();
            }
            else
            {
                var vs = i;
                while (i < q.Length && !char.IsWhiteSpace(q[i]))
                    i++;
                value = q[vs..i];
            }
            if (value.Length == 0)
            {
                error = field is null ? $"q: empty phrase at position {start + 1}" : $"q: field '{field}' has no value; write {field}:value or {field}:\"a value\"";
                return null;
            }
            terms.Add(new EventTerm(field, value));
            if (terms.Count > MaxTerms)
                break;
        }
        if (terms.Count > MaxTerms)
        {
            error = $"q holds more than {MaxTerms} terms";
            return null;
        }
        return terms;
    }
}
