using Quell.Intel;

namespace Quell.Tests.Intel;

public sealed class IndicatorNormalizerTests
{
    [Theory]
    [InlineData("domain", "Evil.EXAMPLE.com.", "evil.example.com")]
    [InlineData("hostname", "bücher.example", "xn--bcher-kva.example")]
    [InlineData("domain", "evil[.]example(dot)com", "evil.example.com")]
    [InlineData("md5", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("ip-dst", "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1")]
    [InlineData("ip-dst", "10.1.2.3/8", "10.0.0.0/8")]
    [InlineData("ip-src", "192.0.2.1/32", "192.0.2.1")]
    [InlineData("ip-dst", "192[.]0[.]2[.]1", "192.0.2.1")]
    [InlineData("url", "HXXPS://Evil.Example.COM.:443/a/./b/../c?x=%7e%2f#frag", "https://evil.example.com/a/c?x=~%2F")]
    [InlineData("url", "hxxp[:]//evil[.]example/login", "http://evil.example/login")]
    [InlineData("url", "http://evil.example:8080", "http://evil.example:8080/")]
    [InlineData("url", "evil.example/path with space", "http://evil.example/path%20with%20space")]
    [InlineData("url", "http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x")]
    [InlineData("url", "https://xn--80ak6aa92e.com/", "https://xn--80ak6aa92e.com/")]
    [InlineData("url", "https://аррӏе.com/login", "https://xn--80ak6aa92e.com/login")]
    [InlineData("email-src", "Phisher[at]Evil[.]Example", "phisher@evil.example")]
    [InlineData("filename|sha256", "Invoice|2.exe|E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "Invoice|2.exe|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("ip-dst|port", "203.0.113.7|0443", "203.0.113.7|443")]
    [InlineData("domain|ip", "Evil.Example|2001:db8:0::2", "evil.example|2001:db8::2")]
    [InlineData("AS", "as64500", "AS64500")]
    [InlineData("filename", "  Invoice.PDF.exe ", "Invoice.PDF.exe")]
    public void Values_are_normalized(string type, string value, string expected)
    {
        Assert.Equal(expected, IndicatorNormalizer.Normalize(type, value, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("md5", "abc", "32 hexadecimal digits")]
    [InlineData("sha256", "zz3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "64 hexadecimal digits")]
    [InlineData("ip-dst", "1.2.3", "not an IPv4 or IPv6 address")]
    [InlineData("ip-dst", "0x7f.1", "not an IPv4 or IPv6 address")]
    [InlineData("ip-dst", "10.0.0.0/33", "invalid prefix length")]
    [InlineData("domain", "localhost", "not a domain name")]
    [InlineData("domain", "evil..example", "label")]
    [InlineData("no-such-type", "x", "not a MISP attribute type")]
    [InlineData("filename|md5", "no-bar", "two parts")]
    [InlineData("url", "http://:80/", "no host")]
    [InlineData("text", "a\u0000b", "control characters")]
    [InlineData("port", "70000", "0 to 65535")]
    public void Invalid_values_are_refused_with_a_reason(string type, string value, string reason)
    {
        Assert.Null(IndicatorNormalizer.Normalize(type, value, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Huge_values_are_refused_before_any_parsing() =>
        Assert.Contains("at most 8192", IndicatorNormalizer.Normalize("url", "http://e.example/" + new string('a', 10_000), out var e) ?? e, StringComparison.Ordinal);

    [Theory]
    [InlineData("url", "HTTP://EVIL.example/A?b=1")]
    [InlineData("domain", "Sub.Evil.Example.")]
    [InlineData("ip-dst", "2001:DB8::0:1/64")]
    [InlineData("email", "A.User@Example.ORG")]
    public void Normalizing_twice_changes_nothing(string type, string value)
    {
        var once = IndicatorNormalizer.Normalize(type, value, out _)!;
        Assert.Equal(once, IndicatorNormalizer.Normalize(type, once, out _));
    }

    [Fact]
    public void Rules_and_text_keep_their_line_breaks_and_may_be_longer()
    {
        var rule = "rule demo {\r\n\tstrings:\r\n\t\t$a = \"x\"\r\n\tcondition:\r\n\t\t$a\r\n}\r\n";
        Assert.Equal("rule demo {\n\tstrings:\n\t\t$a = \"x\"\n\tcondition:\n\t\t$a\n}", IndicatorNormalizer.Normalize("yara", rule, out _));
        Assert.Equal(20_000, IndicatorNormalizer.Normalize("snort", new string('a', 20_000), out _)?.Length);
        Assert.Contains("at most 65536 are accepted for a yara", IndicatorNormalizer.Normalize("yara", new string('a', 70_000), out var tooLong) ?? tooLong, StringComparison.Ordinal);
        Assert.Contains("other than line breaks and tabs", IndicatorNormalizer.Normalize("yara", "rule x {\u0007}", out var bell) ?? bell, StringComparison.Ordinal);
        // A domain is one line, as before.
        Assert.Null(IndicatorNormalizer.Normalize("domain", "evil.example\nother.example", out _));
        Assert.Null(IndicatorNormalizer.Normalize("filename", "a\nb", out _));
    }
}
