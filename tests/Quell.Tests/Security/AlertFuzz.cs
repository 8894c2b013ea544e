using System.Globalization;
using System.Text;

namespace Quell.Tests.Security;

/// <summary>One generated request: where it goes, its bytes, and how it was made (for the failure report).</summary>
public sealed record FuzzCase(int Index, string Path, byte[] Body, string Kind);

/// <summary>
/// Generates hostile alert bodies from one seed: random JSON of random shapes, and a valid alert damaged in every
/// way a broken or malicious integration could (truncation, byte flips, wrong types, huge and deep values, invalid
/// UTF-8, NUL and lone surrogates, NaN-like numbers, duplicate keys, unknown types, bad addresses, empty containers).
/// Everything is drawn from <see cref="Random"/> in order, so the same seed gives the same cases.
/// </summary>
public sealed class AlertFuzz(int seed)
{
    readonly Random _r = new(seed);

    static readonly string[] Fields = ["type", "source", "sourceRef", "title", "description", "severity", "tlp", "pap", "tags", "date", "firstEvidenceAt", "raw", "observables"];
    static readonly string[] DataTypes = ["ip", "domain", "fqdn", "url", "mail", "mail-subject", "hash", "filename", "file", "hostname", "user-agent", "registry",
        "autonomous-system", "uri-path", "regexp", "other", "mail_subject", "IP", " ip ", "ipv4", "sha256", "", "unknown-type", "\\u0000", "ip\\u0000"];
    static readonly string[] OddValues = ["999.1.1.1", "1.2.3", "::gg", "1.2.3.4/33", "[::1]", "::ffff:1.2.3.4", "0x7f000001", "2130706433", "1.2.3.4 ", "fe80::1%eth0",
        "[]", "..", ".", "-", "xyz-not-hex", "ABCDEF", "0", " ", "\\t", "\\u0000", "\\ud800", "\\udfff\\ud800", "a\\u0000b", "\\u202eevil", "😀😀", "日本語.example",
        "http://169.254.169.254/latest", "'; DROP TABLE alerts; --", "%s%s%n", "${jndi:ldap://x}", "<script>alert(1)</script>"];
    static readonly string[] NumberTokens = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "-0", "1.5", "2.0", "1e0", "9223372036854775808", "-9223372036854775809",
        "0x10", "01", "+1", ".5", "5.", "1e", "--1", "4294967297", "253402300800000", "-1", "0", "3", "99999999999999999999999"];

    static readonly string[] EveryKind = ["null", "true", "7", "-1.5e3", "\"text\"", "\"\"", "[]", "[1,\"a\"]", "{}", "{\"a\":{\"b\":[]}}"];

    /// <summary>Every field of an alert and of an observable with a value of every JSON kind, then <paramref name="count"/> random cases.</summary>
    public List<FuzzCase> Generate(int count)
    {
        var cases = new List<FuzzCase>(count + Fields.Length * EveryKind.Length * 2);
        foreach (var field in Fields)
            foreach (var value in EveryKind)
            {
                var alert = ValidAlert();
                alert.RemoveAll(f => f.Key == field);
                alert.Add((field, value));
                cases.Add(new FuzzCase(cases.Count, "/api/v1/alerts", Encoding.UTF8.GetBytes(Render(alert)), $"{field} as {value}"));
            }
        foreach (var field in new[] { "dataType", "data", "ioc", "sighted", "tags", "message" })
            foreach (var value in EveryKind)
            {
                var alert = ValidAlert();
                var observable = new List<(string Key, string Value)> { ("dataType", "\"ip\""), ("data", "\"192.0.2.1\"") };
                observable.RemoveAll(f => f.Key == field);
                observable.Add((field, value));
                SetObservables(alert, "[" + Render(observable) + "]");
                cases.Add(new FuzzCase(cases.Count, "/api/v1/alerts", Encoding.UTF8.GetBytes(Render(alert)), $"observable {field} as {value}"));
            }
        for (var i = cases.Count; i < count; i++)
        {
            var (bulk, body, kind) = _r.Next(100) switch
            {
                < 15 => (false, Encoding.UTF8.GetBytes(RandomJson(0)), "random json"),
                < 25 => (false, Encoding.UTF8.GetBytes(Render(ValidAlert())), "valid alert"),
                < 75 => Damaged(false),
                _ => Bulk(),
            };
            cases.Add(new FuzzCase(i, bulk ? "/api/v1/alerts/_bulk" : "/api/v1/alerts", body, kind));
        }
        return cases;
    }

    (bool Bulk, byte[] Body, string Kind) Bulk()
    {
        var n = _r.Next(0, 25);
        var kinds = new List<string>();
        var items = new List<string>();
        for (var i = 0; i < n; i++)
        {
            var (_, body, kind) = _r.Next(3) == 0 ? Damaged(true) : (false, Encoding.UTF8.GetBytes(Render(ValidAlert())), "valid");
            items.Add(Encoding.UTF8.GetString(body));
            kinds.Add(kind);
        }
        var array = "[" + string.Join(",", items) + "]";
        var text = _r.Next(6) switch
        {
            0 => "{\"alerts\":" + array + "}",
            1 => "{\"alerts\":" + RandomJson(1) + "}",
            2 => RandomJson(0),
            _ => array,
        };
        var bytes = Encoding.UTF8.GetBytes(text);
        if (_r.Next(8) == 0)
            bytes = ByteDamage(bytes, out var how) is var b ? b : bytes;
        return (true, bytes, $"bulk of {n}: {string.Join(", ", kinds.Distinct())}");
    }

    /// <summary>A valid alert then one to three kinds of damage; for bulk items only structural damage (the array stays parseable).</summary>
    (bool, byte[], string) Damaged(bool structuralOnly)
    {
        var alert = ValidAlert();
        var kinds = new List<string>();
        for (var d = _r.Next(1, 4); d > 0; d--)
            kinds.Add(StructuralDamage(alert));
        var bytes = Encoding.UTF8.GetBytes(Render(alert));
        if (!structuralOnly && _r.Next(3) == 0)
        {
            bytes = ByteDamage(bytes, out var how);
            kinds.Add(how);
        }
        return (false, bytes, string.Join(" + ", kinds));
    }

    List<(string Key, string Value)> ValidAlert()
    {
        var fields = new List<(string, string)>
        {
            ("type", Str("siem")),
            ("source", Str("fuzz")),
            ("sourceRef", Str("ref-" + _r.Next(400).ToString(CultureInfo.InvariantCulture))),
            ("title", Str("Fuzzed alert " + _r.Next())),
            ("severity", _r.Next(1, 5).ToString(CultureInfo.InvariantCulture)),
        };
        if (_r.Next(2) == 0) fields.Add(("description", Str("something happened")));
        if (_r.Next(2) == 0) fields.Add(("tlp", Str(Pick(["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED", "TLP:WHITE"]))));
        if (_r.Next(2) == 0) fields.Add(("pap", _r.Next(4).ToString(CultureInfo.InvariantCulture)));
        if (_r.Next(2) == 0) fields.Add(("tags", "[" + Str("t" + _r.Next(5)) + "," + Str("fuzz") + "]"));
        if (_r.Next(2) == 0) fields.Add(("date", _r.Next(2) == 0 ? "1700000000000" : Str("2024-05-01T10:00:00Z")));
        if (_r.Next(3) == 0) fields.Add(("raw", "{\"event\":{\"id\":" + _r.Next() + "}}"));
        fields.Add(("observables", "[" + string.Join(",", Enumerable.Range(0, _r.Next(0, 4)).Select(_ => ValidObservable())) + "]"));
        Shuffle(fields);
        return fields;
    }

    string ValidObservable() => Pick([
        "{\"dataType\":\"ip\",\"data\":\"203.0.113." + _r.Next(256) + "\"}",
        "{\"dataType\":\"domain\",\"data\":\"host" + _r.Next(50) + ".example\",\"ioc\":true}",
        "{\"dataType\":\"hash\",\"data\":\"" + Convert.ToHexString(BitConverter.GetBytes(_r.NextInt64())) + "\",\"tags\":[\"x\"]}",
        "{\"dataType\":\"url\",\"data\":\"https://evil.example/" + _r.Next() + "\",\"sighted\":true,\"message\":\"seen\"}",
        "{\"dataType\":\"mail_subject\",\"data\":\"Invoice " + _r.Next() + "\"}",
    ]);

    string StructuralDamage(List<(string Key, string Value)> alert)
    {
        var i = _r.Next(alert.Count);
        var key = alert[i].Key;
        switch (_r.Next(13))
        {
            case 0:
                alert[i] = (key, RandomJson(2));
                return $"wrong type for {key}";
            case 1:
                alert[i] = (key, Str(HugeString()));
                return $"huge string for {key}";
            case 2:
                alert[i] = (key, Deep(_r.Next(2) == 0 ? 200 : _r.Next(20, 40)));
                return $"deep nesting in {key}";
            case 3:
                alert[i] = (key, Pick(NumberTokens));
                return $"odd number for {key}";
            case 4:
                alert.Insert(_r.Next(alert.Count + 1), (Pick(Fields), RandomScalar()));
                return "duplicate key";
            case 5:
                alert.RemoveAt(i);
                return $"missing {key}";
            case 6:
                SetObservables(alert, "[" + string.Join(",", Enumerable.Range(0, _r.Next(1, 5)).Select(_ =>
                    $"{{\"dataType\":\"{Pick(DataTypes)}\",\"data\":{(_r.Next(5) == 0 ? RandomScalar() : "\"" + Pick(OddValues) + "\"")}}}")) + "]");
                return "odd observables";
            case 7:
                alert[i] = (key, Pick(["[]", "{}", "\"\"", "null", "[[]]", "[{}]", "[null]"]));
                return $"empty value for {key}";
            case 8:
                alert[i] = (key, "\"" + Pick(OddValues) + "\"");
                return $"odd string for {key}";
            case 9:
                SetObservables(alert, "[" + string.Join(",", Enumerable.Range(0, _r.Next(1, 3)).Select(_ =>
                    $"{{\"dataType\":\"{Pick(["other", "url", "filename", "user-agent", "registry"])}\",\"data\":{Str(HugeString(Pick([1_000, 2_040, 2_700, 3_000, 9_000, 70_000])))}}}")) + "]");
                return "long observable values";
            case 10:
                alert[i] = (key, Str(Unicode(_r.Next(1, 600))));
                return $"multibyte string for {key}";
            case 11:
                alert.Add(("unknown" + _r.Next(3), RandomJson(1)));
                return "unknown field";
            default:
                alert[i] = (key, "{" + string.Join(",", Enumerable.Range(0, _r.Next(1, 4)).Select(_ => $"{Str(Pick(Fields))}:{RandomScalar()}")) + "}");
                return $"object for {key}";
        }
    }

    byte[] ByteDamage(byte[] bytes, out string how)
    {
        var b = (byte[])bytes.Clone();
        switch (_r.Next(4))
        {
            case 0:
                how = "truncated";
                return b[.._r.Next(b.Length)];
            case 1:
                how = "byte flips";
                for (var k = _r.Next(1, 6); k > 0 && b.Length > 0; k--)
                    b[_r.Next(b.Length)] ^= (byte)_r.Next(1, 256);
                return b;
            case 2:
                {
                    how = "invalid UTF-8";
                    var at = Array.IndexOf(b, (byte)'"', _r.Next(Math.Max(1, b.Length)));
                    if (at < 0) at = 0;
                    byte[] bad = Pick<byte[]>([[0xC3], [0xFF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0xE2, 0x82]]);
                    return [.. b[..(at + 1)], .. bad, .. b[(at + 1)..]];
                }
            default:
                how = "garbage prefix";
                return [.. Encoding.UTF8.GetBytes(Pick(["\uFEFF", "\0", "//c\n", ")]}',\n", " ", "{", "[", "nul"])), .. b];
        }
    }

    void SetObservables(List<(string Key, string Value)> alert, string value)
    {
        alert.RemoveAll(f => f.Key == "observables");
        alert.Add(("observables", value));
    }

    string RandomJson(int depth) => _r.Next(depth > 4 ? 3 : 6) switch
    {
        0 or 1 or 2 => RandomScalar(),
        3 or 4 => "[" + string.Join(",", Enumerable.Range(0, _r.Next(0, 5)).Select(_ => RandomJson(depth + 1))) + "]",
        _ => "{" + string.Join(",", Enumerable.Range(0, _r.Next(0, 5)).Select(_ => $"{Str(_r.Next(2) == 0 ? Pick(Fields) : RandomText(8))}:{RandomJson(depth + 1)}")) + "}",
    };

    string RandomScalar() => _r.Next(7) switch
    {
        0 => "null",
        1 => _r.Next(2) == 0 ? "true" : "false",
        2 => Pick(NumberTokens),
        3 => _r.NextInt64(long.MinValue, long.MaxValue).ToString(CultureInfo.InvariantCulture),
        4 => (_r.NextDouble() * 1e6).ToString("R", CultureInfo.InvariantCulture),
        5 => "\"" + Pick(OddValues) + "\"",
        _ => Str(RandomText(_r.Next(0, 40))),
    };

    string Deep(int levels)
    {
        var open = _r.Next(2) == 0 ? ("[", "]") : ("{\"a\":", "}");
        return string.Concat(Enumerable.Repeat(open.Item1, levels)) + "1" + string.Concat(Enumerable.Repeat(open.Item2, levels));
    }

    string HugeString(int? length = null)
    {
        var n = length ?? Pick([300, 1_100, 5_000, 70_000, 300_000]);
        var c = (char)('a' + _r.Next(26));
        return _r.Next(2) == 0 ? new string(c, n) : RandomText(n);
    }

    string RandomText(int n)
    {
        var sb = new StringBuilder(n);
        for (var i = 0; i < n; i++)
            sb.Append((char)_r.Next(0x20, 0x7F));
        return sb.ToString();
    }

    string Unicode(int n)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < n; i++)
            sb.Append(Pick(["日", "本", "😀", "é", "\u202e", "ß", "\uFFFD", "Ω", "𝔘"]));
        return sb.ToString();
    }

    /// <summary>A JSON string token; escapes what must be escaped and leaves the rest as is.</summary>
    static string Str(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var ch in s)
        {
            if (ch == '"' || ch == '\\') sb.Append('\\').Append(ch);
            else if (ch < 0x20) sb.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append(ch);
        }
        return sb.Append('"').ToString();
    }

    static string Render(List<(string Key, string Value)> fields) =>
        "{" + string.Join(",", fields.Select(f => Str(f.Key) + ":" + f.Value)) + "}";

    T Pick<T>(T[] items) => items[_r.Next(items.Length)];

    void Shuffle<T>(List<T> list)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = _r.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
