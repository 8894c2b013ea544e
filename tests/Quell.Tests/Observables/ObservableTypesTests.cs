using Quell.Observables;

namespace Quell.Tests.Observables;

public sealed class ObservableTypesTests
{
    static string? Normalize(string type, string data) => ObservableTypes.Normalize(type, data, out _);

    static string Error(string type, string data)
    {
        Assert.Null(ObservableTypes.Normalize(type, data, out var error));
        return Assert.IsType<string>(error);
    }

    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1")]
    [InlineData(" 192.0.2.1\t", "192.0.2.1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("255.255.255.255", "255.255.255.255")]
    [InlineData("10.0.0.100", "10.0.0.100")]
    [InlineData("2001:DB8:0:0:0:0:0:1", "2001:db8::1")]
    [InlineData("2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1")]
    [InlineData("[2001:db8::1]", "2001:db8::1")]
    [InlineData("::1", "::1")]
    [InlineData("::FFFF:192.0.2.1", "::ffff:192.0.2.1")]
    [InlineData("fe80::0:1%eth0", "fe80::1%eth0")]
    public void Ip_addresses_are_stored_in_canonical_form(string given, string stored) =>
        Assert.Equal(stored, Normalize("ip", given));

    [Theory]
    [InlineData("1")]
    [InlineData("127.1")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("1.2.3.4.5")]
    [InlineData("256.1.1.1")]
    [InlineData("1.2.3.-4")]
    [InlineData("1.2.3.4:80")]
    [InlineData("example.com")]
    [InlineData("2001:db8::1::2")]
    [InlineData("fe80::1%")]
    [InlineData("1. 2.3.4")]
    [InlineData("١.٢.٣.٤")]
    public void Strings_that_are_not_an_ip_address_are_refused(string given) =>
        Assert.Contains("is not an IP address", Error("ip", given));

    [Theory]
    [InlineData("010.0.0.1")]
    [InlineData("192.168.001.001")]
    [InlineData("00.0.0.0")]
    public void Ipv4_with_leading_zeros_is_refused_as_ambiguous(string given) =>
        Assert.Contains("leading zero", Error("ip", given));

    [Theory]
    [InlineData("domain", "Evil.Example", "evil.example")]
    [InlineData("domain", "evil.example.", "evil.example")]
    [InlineData("fqdn", " WWW.Evil.Example. ", "www.evil.example")]
    [InlineData("hostname", "WKS-042", "wks-042")]
    [InlineData("mail", "Boss@Example.ORG", "boss@example.org")]
    [InlineData("hash", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("hash", "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", "da39a3ee5e6b4b0d3255bfef95601890afd80709")]
    [InlineData("url", " https://Evil.Example/Path?Q=1 ", "https://Evil.Example/Path?Q=1")]
    [InlineData("filename", "Invoice.PDF.exe", "Invoice.PDF.exe")]
    [InlineData("mail-subject", "  Your Invoice  ", "Your Invoice")]
    [InlineData("other", "Case Sensitive", "Case Sensitive")]
    public void Values_are_trimmed_and_lower_cased_where_the_type_is_case_insensitive(string type, string given, string stored) =>
        Assert.Equal(stored, Normalize(type, given));

    [Theory]
    [InlineData("domain", ".")]
    [InlineData("fqdn", "...")]
    [InlineData("hash", "d41d8cd98f00b204e9800998ecf8427z")]
    [InlineData("hash", "d41d 8cd9")]
    [InlineData("hash", "0xd41d")]
    [InlineData("url", "   ")]
    [InlineData("other", "")]
    public void Values_that_cannot_be_of_their_type_are_refused(string type, string given) =>
        Assert.NotEmpty(Error(type, given));

    [Theory]
    [InlineData("ip", "ip")]
    [InlineData(" IP ", "ip")]
    [InlineData("mail_subject", "mail-subject")]
    [InlineData("user_agent", "user-agent")]
    [InlineData("Autonomous-System", "autonomous-system")]
    [InlineData("ipaddress", null)]
    [InlineData("ip-dst", null)]
    [InlineData("", null)]
    public void Type_names_accept_thehive_spellings(string given, string? canonical) =>
        Assert.Equal(canonical, ObservableTypes.Canonical(given));

    [Fact]
    public void Search_forms_include_the_value_as_typed_and_each_normalization()
    {
        Assert.Equal(["Evil.Example.", "evil.example", "evil.example."], ObservableTypes.SearchForms(" Evil.Example. ").Order(StringComparer.Ordinal));
        Assert.Contains("2001:db8::1", ObservableTypes.SearchForms("2001:DB8:0::1"));
    }
}
