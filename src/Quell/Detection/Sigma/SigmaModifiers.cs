using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Quell.Detection.Sigma;

/// <summary>
/// Compiles one detection item (<c>Field|mod1|mod2: values</c>) into a field test. Modifiers that change values
/// (windash, expand, wide/utf16*, base64, base64offset) run left to right; the others choose how values are compared.
/// </summary>
internal static partial class SigmaModifiers
{
    static readonly string[] WindashChars = ["-", "/", "\u2013", "\u2014", "\u2015"];

    [GeneratedRegex(@"\B[-/]\b")]
    private static partial Regex WindashPosition();

    [GeneratedRegex("%([A-Za-z0-9_.-]+)%")]
    private static partial Regex Placeholder();

    /// <summary>Compiles an item; values are YAML scalars, null for YAML null.</summary>
    public static SigmaNode Compile(string? field, IReadOnlyList<string> modifiers, IReadOnlyList<string?> values, SigmaReaderOptions options)
    {
        string? compare = null; // contains/startswith/endswith/re/cidr/gt.../exists/fieldref
        bool all = false, cased = false;
        var regexOptions = RegexOptions.CultureInvariant;
        var transforms = new List<string>();
        foreach (var raw in modifiers)
        {
            var m = raw.ToLowerInvariant();
            switch (m)
            {
                case "contains" or "startswith" or "endswith" or "re" or "cidr" or "gt" or "gte" or "lt" or "lte" or "exists" or "fieldref":
                    if (compare is not null)
                        throw new SigmaRuleException($"modifiers '{compare}' and '{m}' cannot be combined{Where(field)}");
                    compare = m;
                    break;
                case "all":
                    all = true;
                    break;
                case "cased":
                    cased = true;
                    break;
                case "i" or "ignorecase" or "m" or "multiline" or "s" or "dotall":
                    if (compare != "re")
                        throw new SigmaRuleException($"modifier '{m}' is only valid after 're'{Where(field)}");
                    regexOptions |= m[0] switch { 'i' => RegexOptions.IgnoreCase, 'm' => RegexOptions.Multiline, _ => RegexOptions.Singleline };
                    break;
                case "windash" or "expand" or "wide" or "utf16le" or "utf16be" or "utf16" or "base64" or "base64offset":
                    transforms.Add(m);
                    break;
                default:
                    throw new SigmaRuleException($"unknown modifier '{raw}'{Where(field)}");
            }
        }
        if (field is null && compare is "exists" or "fieldref")
            throw new SigmaRuleException($"modifier '{compare}' needs a field");

        var matchers = new List<SigmaValueMatcher>();
        foreach (var value in values)
        {
            if (value is null)
            {
                if (compare is not null || transforms.Count > 0)
                    throw new SigmaRuleException($"null cannot be used with modifiers{Where(field)}");
                matchers.Add(new SigmaValueMatcher.IsNull());
                continue;
            }
            foreach (var v in Transform(value, transforms, field, options))
                matchers.Add(Matcher(v, compare, cased, regexOptions, field));
        }
        var array = matchers.ToArray();
        return field is null ? new SigmaNode.Keywords(array, all) : new SigmaNode.Field(field, array, all);
    }

    static string Where(string? field) => field is null ? " (keywords)" : $" (field '{field}')";

    static SigmaValueMatcher Matcher(string value, string? compare, bool cased, RegexOptions regexOptions, string? field)
    {
        switch (compare)
        {
            case "re":
                return new SigmaValueMatcher.Pattern(CompileRegex(value, regexOptions, field));
            case "cidr":
                if (!IPNetwork.TryParse(value.Trim(), out var network))
                    throw new SigmaRuleException($"'{value}' is not a CIDR network{Where(field)}");
                return new SigmaValueMatcher.Cidr(network);
            case "gt" or "gte" or "lt" or "lte":
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var bound))
                    throw new SigmaRuleException($"'{value}' is not a number for '{compare}'{Where(field)}");
                return new SigmaValueMatcher.Compare(compare, bound);
            case "exists":
                if (!bool.TryParse(value, out var expected))
                    throw new SigmaRuleException($"'exists' needs true or false, not '{value}'{Where(field)}");
                return new SigmaValueMatcher.Exists(expected);
            case "fieldref":
                return new SigmaValueMatcher.FieldRef(value, cased ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
        }
        var pattern = SigmaPattern.Parse(value);
        pattern = compare switch
        {
            "contains" => pattern.Contains(),
            "startswith" => pattern.StartsWith(),
            "endswith" => pattern.EndsWith(),
            // Keywords are searched for anywhere in the event's values, as a full-text search would.
            _ when field is null => pattern.Contains(),
            _ => pattern,
        };
        return new SigmaValueMatcher.Text(new SigmaStringMatcher(pattern, cased));
    }

    static Regex CompileRegex(string value, RegexOptions options, string? field)
    {
        try
        {
            // Linear-time matching when the pattern allows it; backreferences and lookarounds need the backtracking
            // engine, bounded by a timeout so one event cannot stall the pipeline.
            return new Regex(value, options | RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException)
        {
        }
        catch (ArgumentException e)
        {
            throw new SigmaRuleException($"invalid regular expression '{value}'{Where(field)}: {e.Message}");
        }
        try
        {
            return new Regex(value, options, TimeSpan.FromMilliseconds(100));
        }
        catch (ArgumentException e)
        {
            throw new SigmaRuleException($"invalid regular expression '{value}'{Where(field)}: {e.Message}");
        }
    }

    /// <summary>Runs the value-changing modifiers; the result is Sigma strings (escaped, wildcards allowed).</summary>
    static List<string> Transform(string value, List<string> transforms, string? field, SigmaReaderOptions options)
    {
        var current = new List<object> { value }; // string (Sigma string) or byte[]
        foreach (var t in transforms)
        {
            var next = new List<object>();
            foreach (var item in current)
            {
                switch (t)
                {
                    case "windash":
                        var s = item as string ?? throw Bytes(t, field);
                        foreach (var c in WindashChars)
                        {
                            var variant = WindashPosition().Replace(s, c);
                            if (!next.Contains(variant))
                                next.Add(variant);
                        }
                        break;
                    case "expand":
                        next.AddRange(Expand(item as string ?? throw Bytes(t, field), field, options));
                        break;
                    case "wide" or "utf16le":
                        next.Add(Encoding.Unicode.GetBytes(Literal(item, t, field)));
                        break;
                    case "utf16be":
                        next.Add(Encoding.BigEndianUnicode.GetBytes(Literal(item, t, field)));
                        break;
                    case "utf16":
                        next.Add((byte[])[0xFF, 0xFE, .. Encoding.Unicode.GetBytes(Literal(item, t, field))]);
                        break;
                    case "base64":
                        next.Add(SigmaPattern.Escape(Convert.ToBase64String(Bytes(item, t, field))));
                        break;
                    case "base64offset":
                        foreach (var b in Base64Offsets(Bytes(item, t, field)))
                            next.Add(SigmaPattern.Escape(b));
                        break;
                }
            }
            current = next;
        }
        var result = new List<string>(current.Count);
        foreach (var item in current)
            result.Add(item as string ?? throw new SigmaRuleException($"modifier '{transforms[^1]}' must be followed by 'base64' or 'base64offset'{Where(field)}"));
        return result;
    }

    /// <summary>
    /// The three base64 spellings of a value at byte offsets 0, 1 and 2 inside a longer text, without the characters
    /// that depend on the unknown neighbours (pySigma's algorithm).
    /// </summary>
    internal static IEnumerable<string> Base64Offsets(byte[] value)
    {
        int[] start = [0, 2, 3];
        int?[] end = [null, -3, -2];
        for (var i = 0; i < 3; i++)
        {
            var padded = new byte[i + value.Length];
            for (var p = 0; p < i; p++)
                padded[p] = (byte)' ';
            value.CopyTo(padded, i);
            var encoded = Convert.ToBase64String(padded);
            var e = end[(value.Length + i) % 3];
            var stop = e is { } neg ? encoded.Length + neg : encoded.Length;
            yield return stop > start[i] ? encoded[start[i]..stop] : "";
        }
    }

    static string Literal(object item, string modifier, string? field)
    {
        if (item is not string s)
            throw Bytes(modifier, field);
        var pattern = SigmaPattern.Parse(s);
        return pattern.PlainText ?? throw new SigmaRuleException($"modifier '{modifier}' cannot encode wildcards in '{s}'{Where(field)}");
    }

    static byte[] Bytes(object item, string modifier, string? field) =>
        item as byte[] ?? Encoding.UTF8.GetBytes(Literal(item, modifier, field));

    static SigmaRuleException Bytes(string modifier, string? field) =>
        new($"modifier '{modifier}' cannot follow an encoding modifier{Where(field)}");

    static List<string> Expand(string value, string? field, SigmaReaderOptions options)
    {
        var match = Placeholder().Match(value);
        if (!match.Success)
            return [value];
        var name = match.Groups[1].Value;
        if (!options.Placeholders.TryGetValue(name, out var replacements) || replacements.Count == 0)
            throw new SigmaRuleException($"placeholder '%{name}%' has no configured value{Where(field)}");
        // Only the text after the placeholder is expanded further: a value that contains a placeholder stays as is.
        var tails = Expand(value[(match.Index + match.Length)..], field, options);
        var results = new List<string>();
        foreach (var r in replacements)
            foreach (var tail in tails)
                results.Add(string.Concat(value.AsSpan(0, match.Index), r, tail));
        return results;
    }
}
