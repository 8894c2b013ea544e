using Quell.Server.Ui.Shared;

namespace Quell.Tests.Ui;

public sealed class DefangTests
{
    [Theory]
    [InlineData("http://evil.example/login", "hxxp://evil[.]example/login")]
    [InlineData("https://evil.example/a.php?x=1.2", "hxxps://evil[.]example/a.php?x=1.2")]
    [InlineData("HTTPS://Evil.Example:8443/", "hxxps://Evil[.]Example:8443/")]
    [InlineData("ftp://files.evil.example/x.exe", "fxp://files[.]evil[.]example/x.exe")]
    [InlineData("http://user@evil.example/", "hxxp://user[@]evil[.]example/")]
    [InlineData("http://203.0.113.7/payload", "hxxp://203[.]0[.]113[.]7/payload")]
    [InlineData("http://[2001:db8::1]/x", "hxxp://[2001:db8::1]/x")]
    [InlineData("javascript:alert(1)", "javascript:alert(1)")]
    [InlineData("evil.example/login", "evil[.]example/login")]
    public void Urls_lose_their_scheme_and_host_dots(string url, string expected) =>
        Assert.Equal(expected, Defang.Value(url, "url"));

    [Theory]
    [InlineData("ip", "203.0.113.7", "203[.]0[.]113[.]7")]
    [InlineData("ip", "2001:db8::1", "2001:db8::1")]
    [InlineData("domain", "evil.example", "evil[.]example")]
    [InlineData("fqdn", "login.evil.example", "login[.]evil[.]example")]
    [InlineData("hostname", "ws-01.corp.example", "ws-01[.]corp[.]example")]
    [InlineData("mail", "ceo@evil.example", "ceo[@]evil[.]example")]
    [InlineData("hash", "d41d8cd98f00b204e9800998ecf8427e", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("filename", "invoice.pdf.exe", "invoice.pdf.exe")]
    public void Each_type_is_defanged_as_its_kind_of_value(string type, string value, string expected) =>
        Assert.Equal(expected, Defang.Value(value, type));

    [Fact]
    public void Urls_and_addresses_inside_text_are_defanged_and_the_rest_is_kept()
    {
        Assert.Equal("Reset at hxxps://login[.]evil[.]example/reset now, asks ceo[@]evil[.]example",
            Defang.Value("Reset at https://login.evil.example/reset now, asks ceo@evil.example", "mail-subject"));
    }

    [Theory]
    [InlineData("url", "http://evil.example/login")]
    [InlineData("ip", "198.51.100.1")]
    [InlineData("mail", "a@b.example")]
    [InlineData("other", "see https://x.example/y and z@w.example")]
    public void Defanging_twice_changes_nothing_more(string type, string value)
    {
        var once = Defang.Value(value, type);
        Assert.Equal(once, Defang.Value(once, type));
    }
}
