using Quell.Intel.Stix;

namespace Quell.Tests.Intel.Stix;

public class PatternMapperTests
{
    static IReadOnlyList<(string Type, string Value)>? Map(string pattern) => PatternMapper.Map(PatternParser.Parse(pattern));

    [Theory]
    [InlineData("[ipv4-addr:value = '198.51.100.1']", "ip-dst", "198.51.100.1")]
    [InlineData("[ipv6-addr:value = '2001:db8::/32']", "ip-dst", "2001:db8::/32")]
    [InlineData("[domain-name:value = 'evil.example']", "domain", "evil.example")]
    [InlineData("[url:value = 'http://evil.example/a']", "url", "http://evil.example/a")]
    [InlineData("[email-addr:value = 'x@evil.example']", "email", "x@evil.example")]
    [InlineData("[email-message:from_ref.value = 'x@evil.example']", "email-src", "x@evil.example")]
    [InlineData("[email-message:subject = 'Invoice']", "email-subject", "Invoice")]
    [InlineData("[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", "sha256", "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f")]
    [InlineData("[file:hashes.md5 = '001dd76872d80801692ff942308c64e6']", "md5", "001dd76872d80801692ff942308c64e6")]
    [InlineData("[file:hashes.'SHA-1' = 'a']", "sha1", "a")]
    [InlineData("[file:hashes.SSDEEP = 'a']", "ssdeep", "a")]
    [InlineData("[file:name = 'evil.exe']", "filename", "evil.exe")]
    [InlineData("[x509-certificate:hashes.'SHA-1' = 'a']", "x509-fingerprint-sha1", "a")]
    [InlineData("[mac-addr:value = '00:11:22:33:44:55']", "mac-address", "00:11:22:33:44:55")]
    [InlineData("[autonomous-system:number = 64496]", "AS", "64496")]
    [InlineData("[windows-registry-key:key = 'HKLM\\\\Run']", "regkey", "HKLM\\Run")]
    [InlineData("[mutex:name = 'Global\\\\x']", "mutex", "Global\\x")]
    [InlineData("[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']", "ip-dst", "203.0.113.33/32")]
    [InlineData("[network-traffic:src_ref.type = 'ipv4-addr' AND network-traffic:src_ref.value = '203.0.113.33']", "ip-src", "203.0.113.33")]
    [InlineData("[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33' AND network-traffic:dst_port = 443]", "ip-dst|port", "203.0.113.33|443")]
    [InlineData("[file:name = 'a.exe' AND file:hashes.'SHA-256' = 'b']", "filename|sha256", "a.exe|b")]
    [InlineData("[domain-name:value = 'evil.example' AND domain-name:resolves_to_refs[*].value = '198.51.100.1']", "domain|ip", "evil.example|198.51.100.1")]
    [InlineData("[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'Evil/1.0']", "user-agent", "Evil/1.0")]
    public void A_value_comparison_becomes_a_typed_indicator(string pattern, string type, string value) =>
        Assert.Equal([(type, value)], Map(pattern)!);

    [Fact]
    public void An_or_of_value_comparisons_becomes_one_indicator_each()
    {
        var mapped = Map("[domain-name:value = 'av.ddns.us' OR ipv4-addr:value = '60.2.148.167' OR url:value = 'http://x.example/']");
        Assert.Equal([("domain", "av.ddns.us"), ("ip-dst", "60.2.148.167"), ("url", "http://x.example/")], mapped!);
    }

    [Theory]
    [InlineData("[file:name != 'a']")]
    [InlineData("[file:name NOT = 'a']")]
    [InlineData("[file:name MATCHES 'a']")]
    [InlineData("[file:name = 'a'] WITHIN 5 SECONDS")]
    [InlineData("[file:name = 'a'] AND [file:name = 'b']")]
    [InlineData("[file:name = 'a' AND file:mime_type = 'b']")]
    [InlineData("[file:name = 'a' AND url:value = 'b']")]
    [InlineData("[url:value = 'a' OR process:name = 'b']")]
    [InlineData("[process:name = 'a']")]
    [InlineData("[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com']")]
    [InlineData("[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c']")]
    [InlineData("[file:hashes.'SHA-256' = 'a' AND file:hashes.MD5 = 'b']")]
    [InlineData("[file:size = 5]")]
    public void Anything_but_a_list_of_values_is_not_mapped(string pattern) => Assert.Null(Map(pattern));
}
