using System.Globalization;

namespace Quell.Intel.Stix;

/// <summary>
/// The STIX pattern for an indicator (the inverse of <see cref="PatternMapper"/>): one comparison for a single value,
/// an AND of comparisons on one object for a composite (<c>filename|sha256</c> →
/// <c>[file:name = '…' AND file:hashes.'SHA-256' = '…']</c>). Values are quoted with <see cref="PatternText.Quote"/>.
/// </summary>
public static class StixPatternBuilder
{
    /// <summary>(pattern, pattern_type), or null with <paramref name="reason"/> when the type has no STIX form.</summary>
    public static (string Pattern, string PatternType)? For(string type, string value, out string? reason)
    {
        reason = null;
        switch (type)
        {
            case "stix2-pattern":
                if (PatternParser.TryParse(value, out var error) is null)
                {
                    reason = error!.Message;
                    return null;
                }
                return (value, "stix");
            case "yara" or "sigma" or "snort" or "suricata":
                return (value, type);
        }
        if (IndicatorTypes.Parts(type) is { } parts)
        {
            var bar = parts[0] == "filename" ? value.LastIndexOf('|') : value.IndexOf('|', StringComparison.Ordinal);
            if (bar < 0)
            {
                reason = $"a {type} value has two parts separated by '|'";
                return null;
            }
            var (a, b) = (value[..bar], value[(bar + 1)..]);
            string? pattern = type switch
            {
                "domain|ip" => $"[domain-name:value = {Q(a)} AND domain-name:resolves_to_refs[*].value = {Q(b)}]",
                "ip-dst|port" or "ip-src|port" when int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var port) =>
                    Traffic(type[3..6], a, " AND network-traffic:" + type[3..6] + "_port = " + port.ToString(CultureInfo.InvariantCulture)),
                _ when parts[0] == "filename" && PatternMapper.StixHashNames.TryGetValue(parts[1], out var algorithm) =>
                    $"[file:name = {Q(a)} AND file:hashes.{Key(algorithm)} = {Q(b)}]",
                _ => null,
            };
            if (pattern is null)
                reason = $"{type} has no STIX pattern form in Quell";
            return pattern is null ? null : (pattern, "stix");
        }
        var single = type switch
        {
            "ip-dst" => $"[{(value.Contains(':', StringComparison.Ordinal) ? "ipv6-addr" : "ipv4-addr")}:value = {Q(value)}]",
            "ip-src" => Traffic("src", value, ""),
            "domain" or "hostname" => $"[domain-name:value = {Q(value)}]",
            "url" or "link" => $"[url:value = {Q(value)}]",
            "email" => $"[email-addr:value = {Q(value)}]",
            "email-src" => $"[email-message:from_ref.value = {Q(value)}]",
            "email-dst" => $"[email-message:to_refs[*].value = {Q(value)}]",
            "email-subject" => $"[email-message:subject = {Q(value)}]",
            "filename" => $"[file:name = {Q(value)}]",
            "mac-address" => $"[mac-addr:value = {Q(value)}]",
            "AS" when long.TryParse(value.StartsWith("AS", StringComparison.Ordinal) ? value[2..] : value, NumberStyles.None, CultureInfo.InvariantCulture, out var asn) =>
                $"[autonomous-system:number = {asn.ToString(CultureInfo.InvariantCulture)}]",
            "regkey" => $"[windows-registry-key:key = {Q(value)}]",
            "mutex" => $"[mutex:name = {Q(value)}]",
            "user-agent" => $"[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = {Q(value)}]",
            _ when type.StartsWith("x509-fingerprint-", StringComparison.Ordinal) && PatternMapper.StixHashNames.TryGetValue(type["x509-fingerprint-".Length..], out var xa) =>
                $"[x509-certificate:hashes.{Key(xa)} = {Q(value)}]",
            _ when PatternMapper.StixHashNames.TryGetValue(type, out var algorithm) => $"[file:hashes.{Key(algorithm)} = {Q(value)}]",
            _ => null,
        };
        if (single is null)
            reason = $"{type} has no STIX pattern form in Quell";
        return single is null ? null : (single, "stix");
    }

    static string Traffic(string side, string address, string more) =>
        $"[network-traffic:{side}_ref.type = '{(address.Contains(':', StringComparison.Ordinal) ? "ipv6-addr" : "ipv4-addr")}' AND network-traffic:{side}_ref.value = {Q(address)}{more}]";

    static string Q(string value) => PatternText.Quote(value);

    static string Key(string name) => PatternText.IsIdentifier(name) ? name : PatternText.Quote(name);
}
