using Quell.Server.Ui.Cases;

namespace Quell.Tests.Ui;

public sealed class CaseDefangTests
{
    [Theory]
    [InlineData("url", "https://evil.example/a.php?x=1", "hxxps[://]evil[.]example/a[.]php?x=1")]
    [InlineData("url", "ftp://files.example/x", "fxp[://]files[.]example/x")]
    [InlineData("domain", "evil.example", "evil[.]example")]
    [InlineData("domain", "httpbin.example", "httpbin[.]example")]
    [InlineData("ip", "192.0.2.7", "192[.]0[.]2[.]7")]
    [InlineData("mail", "ceo@evil.example", "ceo[@]evil[.]example")]
    [InlineData("hash", "d41d8cd98f00b204e9800998ecf8427e", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("filename", "invoice.pdf.exe", "invoice.pdf.exe")]
    public void Values_that_could_be_followed_are_defanged(string type, string value, string shown) =>
        Assert.Equal(shown, CaseDefang.Value(type, value));
}
