using Quell.Intel.Flagging;
using Quell.Intel.Matching;

namespace Quell.Tests.Intel.Flagging;

public sealed class MatchKindsTests
{
    [Theory]
    [InlineData("evil.example", "domain", "evil.example", "exact")]
    [InlineData("Evil[.]Example.", "domain", "evil.example", "exact")]
    [InlineData("a.b.evil.example", "domain", "evil.example", "domain-suffix")]
    [InlineData("hxxps://evil[.]example/login", "domain", "evil.example", "url-host")]
    [InlineData("https://cdn.evil.example/a.js", "domain", "evil.example", "domain-suffix")]
    [InlineData("ceo@evil.example", "domain", "evil.example", "email-domain")]
    [InlineData("ceo@mail.evil.example", "hostname", "evil.example", "domain-suffix")]
    [InlineData("91.12.13.14", "ip-dst", "91.12.13.0/24", "cidr")]
    [InlineData("http://91.12.13.14:8080/x", "ip-src", "91.12.13.0/24", "cidr")]
    [InlineData("http://91.12.13.14/x", "ip-dst", "91.12.13.14", "url-host")]
    [InlineData("91.12.13.14", "ip-dst", "91.12.13.14", "exact")]
    [InlineData("HTTP://Evil.Example:80/a/../login?x=1#frag", "url", "http://evil.example/login?x=1", "exact")]
    [InlineData("PAYROLL@evil.example", "email-src", "payroll@evil.example", "exact")]
    [InlineData("D41D8CD98F00B204E9800998ECF8427E", "md5", "d41d8cd98f00b204e9800998ecf8427e", "exact")]
    [InlineData("invoice.pdf.exe", "filename|md5", "invoice.pdf.exe|d41d8cd98f00b204e9800998ecf8427e", "composite-part")]
    [InlineData("evil.example", "domain|ip", "evil.example|91.12.13.14", "composite-part")]
    public void The_kind_says_how_the_value_matched(string observable, string type, string value, string kind)
    {
        // Only pairs the matcher itself reports get a kind: check it agrees first.
        var index = new IndicatorIndex();
        index.Add(1, type, value);
        Assert.True(index.IsMatch(observable.AsSpan()), $"the matcher does not match {observable} to {type} {value}");

        Assert.Equal(kind, MatchKinds.Of(observable, type, value));
    }

    [Fact]
    public void Kind_names_are_stored_and_never_change()
    {
        Assert.Equal(["exact", "cidr", "domain-suffix", "url-host", "email-domain", "composite-part"], MatchKinds.All);
    }
}
