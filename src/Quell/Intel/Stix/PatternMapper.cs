namespace Quell.Intel.Stix;

/// <summary>
/// Turns a STIX pattern that only states observable values into typed indicators: one observation whose comparison
/// is an OR of terms, each term one <c>=</c> comparison (<c>[url:value = 'http://x/']</c>) or an AND of comparisons
/// on one object that MISP keeps as a composite (<c>file:name</c> AND <c>file:hashes.'SHA-256'</c> →
/// <c>filename|sha256</c>). Anything else (other operators, qualifiers, several observations, NOT, unknown paths)
/// is not a plain list of values: the caller keeps the pattern whole as a <c>stix2-pattern</c> indicator.
/// </summary>
public static class PatternMapper
{
    /// <summary>STIX hash algorithm names (upper-cased, '-' and '_' removed) → MISP hash types.</summary>
    static readonly Dictionary<string, string> Hashes = new(StringComparer.Ordinal)
    {
        ["MD5"] = "md5",
        ["SHA1"] = "sha1",
        ["SHA224"] = "sha224",
        ["SHA256"] = "sha256",
        ["SHA384"] = "sha384",
        ["SHA512"] = "sha512",
        ["SHA3224"] = "sha3-224",
        ["SHA3256"] = "sha3-256",
        ["SHA3384"] = "sha3-384",
        ["SHA3512"] = "sha3-512",
        ["SSDEEP"] = "ssdeep",
        ["TLSH"] = "tlsh",
        ["IMPHASH"] = "imphash",
        ["AUTHENTIHASH"] = "authentihash",
        ["VHASH"] = "vhash",
    };

    /// <summary>MISP hash types → the STIX hash algorithm names of the STIX 2.1 hash-algorithm vocabulary (and common extensions).</summary>
    public static readonly IReadOnlyDictionary<string, string> StixHashNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["md5"] = "MD5",
        ["sha1"] = "SHA-1",
        ["sha224"] = "SHA-224",
        ["sha256"] = "SHA-256",
        ["sha384"] = "SHA-384",
        ["sha512"] = "SHA-512",
        ["sha3-224"] = "SHA3-224",
        ["sha3-256"] = "SHA3-256",
        ["sha3-384"] = "SHA3-384",
        ["sha3-512"] = "SHA3-512",
        ["ssdeep"] = "SSDEEP",
        ["tlsh"] = "TLSH",
        ["imphash"] = "IMPHASH",
        ["authentihash"] = "AUTHENTIHASH",
        ["vhash"] = "VHASH",
    };

    /// <summary>Single-comparison paths (object type + property) → MISP type.</summary>
    static readonly Dictionary<string, string> Simple = new(StringComparer.Ordinal)
    {
        ["ipv4-addr:value"] = "ip-dst",
        ["ipv6-addr:value"] = "ip-dst",
        ["domain-name:value"] = "domain",
        ["url:value"] = "url",
        ["email-addr:value"] = "email",
        ["email-message:from_ref.value"] = "email-src",
        ["email-message:sender_ref.value"] = "email-src",
        ["email-message:to_refs[*].value"] = "email-dst",
        ["email-message:subject"] = "email-subject",
        ["file:name"] = "filename",
        ["mac-addr:value"] = "mac-address",
        ["autonomous-system:number"] = "AS",
        ["windows-registry-key:key"] = "regkey",
        ["mutex:name"] = "mutex",
        ["network-traffic:dst_ref.value"] = "ip-dst",
        ["network-traffic:src_ref.value"] = "ip-src",
        ["network-traffic:extensions.http-request-ext.request_header.User-Agent"] = "user-agent",
    };

    /// <summary>The indicators the pattern states, or null when it is more than a list of values.</summary>
    public static IReadOnlyList<(string Type, string Value)>? Map(ObservationExpression pattern)
    {
        if (pattern is not Observation observation)
            return null;
        var terms = observation.Comparison is ComparisonJoin { Operator: "OR" } or ? or.Operands : [observation.Comparison];
        var result = new List<(string, string)>(terms.Count);
        foreach (var term in terms)
        {
            var tests = term is ComparisonJoin { Operator: "AND" } and ? and.Operands : [term];
            var equalities = new List<(ObjectPath Path, string Value)>(tests.Count);
            foreach (var t in tests)
            {
                if (t is not PropertyTest { Operator: "=", Negated: false } test || test.Value.Kind is not (ConstantKind.String or ConstantKind.Int))
                    return null;
                equalities.Add((test.Path, test.Value.Text));
            }
            if (MapTerm(equalities) is not { } mapped)
                return null;
            result.Add(mapped);
        }
        return result;
    }

    static (string, string)? MapTerm(List<(ObjectPath Path, string Value)> tests)
    {
        var objectType = tests[0].Path.ObjectType;
        if (tests.Any(t => t.Path.ObjectType != objectType))
            return null;
        var props = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, value) in tests)
            if (!props.TryAdd(path.Property, value))
                return null;
        if (tests.Count == 1)
        {
            var key = objectType + ":" + tests[0].Path.Property;
            if (Simple.TryGetValue(key, out var type))
                return (type, tests[0].Value);
            if (HashType(objectType, tests[0].Path) is { } hash)
                return (hash, tests[0].Value);
            return null;
        }
        switch (objectType)
        {
            case "file" when tests.Count == 2 && props.TryGetValue("name", out var name):
                var other = tests.First(t => t.Path.Property != "name");
                return HashType("file", other.Path) is { } h && IndicatorTypes.IsKnown("filename|" + h) ? ("filename|" + h, name + "|" + other.Value) : null;
            case "domain-name" when tests.Count == 2 && props.TryGetValue("value", out var domain) && props.TryGetValue("resolves_to_refs[*].value", out var ip):
                return ("domain|ip", domain + "|" + ip);
            case "network-traffic":
                return NetworkTraffic(props);
        }
        return null;
    }

    /// <summary><c>dst_ref.type</c> + <c>dst_ref.value</c> (+ <c>dst_port</c>): how MISP exports ip-dst and ip-dst|port (src likewise).</summary>
    static (string, string)? NetworkTraffic(Dictionary<string, string> props)
    {
        foreach (var side in new[] { "dst", "src" })
        {
            if (!props.TryGetValue(side + "_ref.value", out var address))
                continue;
            var expected = 1;
            if (props.TryGetValue(side + "_ref.type", out var refType))
            {
                if (refType is not ("ipv4-addr" or "ipv6-addr"))
                    return null;
                expected++;
            }
            var hasPort = props.TryGetValue(side + "_port", out var port);
            if (hasPort)
                expected++;
            if (props.Count != expected)
                return null;
            return hasPort ? ("ip-" + side + "|port", address + "|" + port) : ("ip-" + side, address);
        }
        return null;
    }

    static string? HashType(string objectType, ObjectPath path)
    {
        if (path.Steps.Count != 2 || path.Steps[0].Name != "hashes" || path.Steps[1].IsIndex)
            return null;
        var algorithm = path.Steps[1].Name!.ToUpperInvariant().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        if (!Hashes.TryGetValue(algorithm, out var type))
            return null;
        return objectType switch
        {
            "file" or "artifact" => type,
            "x509-certificate" when type is "md5" or "sha1" or "sha256" => "x509-fingerprint-" + type,
            _ => null,
        };
    }
}
