using Quell.Intel;

namespace Quell.Tests.Intel;

public sealed class TypeDetectorTests
{
    [Theory]
    [InlineData("198.51.100.7", "ip-dst")]
    [InlineData("2001:db8::1", "ip-dst")]
    [InlineData("10.0.0.0/8", "ip-dst")]
    [InlineData("198.51.100.7:8080", "ip-dst|port")]
    [InlineData("c2.evil.example:443", "hostname|port")]
    [InlineData("d41d8cd98f00b204e9800998ecf8427e", "md5")]
    [InlineData("0cc175b9c0f1b6a831c399e269772661", "md5")]
    [InlineData("86F7E437FAA5A7FCE15D1DDCB9EAEAEA377667B8", "sha1")]
    [InlineData("1234567890123456789012345678901234567890", "sha1")]
    [InlineData("da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha1")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256")]
    [InlineData("3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C", "ssdeep")]
    [InlineData("https://login.evil.example/owa/", "url")]
    [InlineData("http://198.51.100.7:8080/x", "url")]
    [InlineData("http://[2001:db8::1]/x", "url")]
    [InlineData("hxxps://login[.]evil[.]example/owa/", "url")]
    [InlineData("evil.example/login.php", "url")]
    [InlineData("phisher@evil.example", "email")]
    [InlineData("evil.example", "domain")]
    [InlineData("login.evil.example", "hostname")]
    [InlineData("invoice.pdf.exe", "filename")]
    [InlineData("example.com", "domain")]
    [InlineData("malware-c2.example.com", "hostname")]
    [InlineData("CVE-2024-3094", "vulnerability")]
    [InlineData("AS64500", "AS")]
    public void Bare_values_get_their_MISP_type(string value, string type) =>
        Assert.Equal(type, TypeDetector.Detect(value)?.Type);

    [Theory]
    [InlineData("")]
    [InlineData("hello world")]
    [InlineData("1.2.3")]
    [InlineData("just-a-word")]
    [InlineData("abc.123")]
    public void Values_of_no_known_type_are_not_guessed(string value) =>
        Assert.Null(TypeDetector.Detect(value));
}
