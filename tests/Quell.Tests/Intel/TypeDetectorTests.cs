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

    [Theory]
    [InlineData("198.51.100.7")]
    [InlineData("2001:DB8:0:0::1")]
    [InlineData("10.1.2.3/8")]
    [InlineData("[2001:db8::1]")]
    [InlineData("HTTPS://Login.Evil.Example:443/a/../owa/?q=%7e#frag")]
    [InlineData("http://198.51.100.7:80/x")]
    [InlineData("Phisher@Evil.Example")]
    [InlineData("Evil.Example.")]
    [InlineData("Login.Evil.Example")]
    [InlineData("bücher.example")]
    [InlineData("hxxps://login[.]evil[.]example/owa/")]
    [InlineData("evil[.]example")]
    [InlineData("user[at]evil.example")]
    [InlineData("\"evil.example\"")]
    [InlineData("evil.example/login.php")]
    [InlineData("198.51.100.7:8080")]
    [InlineData("invoice.pdf.exe")]
    [InlineData("D41D8CD98F00B204E9800998ECF8427E")]
    public void A_normalized_form_from_detection_is_what_the_normalizer_returns(string text)
    {
        // An import stores the detector's normalized form without normalizing again (decision 179): it must be the
        // normalizer's result exactly, or absent.
        var detected = TypeDetector.Detect(text, out var normalized);
        Assert.NotNull(detected);
        if (normalized is not null)
            Assert.Equal(IndicatorNormalizer.Normalize(detected.Value.Type, detected.Value.Value, out _), normalized);
    }

    [Theory]
    [InlineData("198.51.100.7", "198.51.100.7")]
    [InlineData("HTTPS://Login.Evil.Example/owa/", "https://login.evil.example/owa/")]
    [InlineData("Login.Evil.Example", "login.evil.example")]
    [InlineData("Phisher@Evil.Example", null)]
    [InlineData("hxxps://login[.]evil[.]example/owa/", "https://login.evil.example/owa/")]
    [InlineData("evil[.]example", "evil.example")]
    public void Detection_hands_over_the_forms_it_computed(string text, string? expectedOrAny)
    {
        TypeDetector.Detect(text, out var normalized);
        Assert.NotNull(normalized);
        if (expectedOrAny is not null)
            Assert.Equal(expectedOrAny, normalized);
    }

    [Theory]
    [InlineData("invoice.pdf.exe")]
    [InlineData("d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("198.51.100.7:8080")]
    public void Types_not_parsed_by_detection_get_no_normalized_form(string text)
    {
        Assert.NotNull(TypeDetector.Detect(text, out var normalized));
        Assert.Null(normalized);
    }
}
