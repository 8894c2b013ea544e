using Quell.Detection.Sigma;
using static Quell.Tests.Detection.Sigma.SigmaTestRules;

namespace Quell.Tests.Detection.Sigma;

public sealed class SigmaModifierTests
{
    const string Cmd = """{"CommandLine": "C:\\Windows\\System32\\cmd.exe /c whoami -All", "Port": 443, "Ip": "10.1.2.3", "Ip6": "2001:db8::5", "Other": "c:\\windows\\system32\\cmd.exe /c whoami -all"}""";

    [Theory]
    [InlineData("CommandLine: 'c:\\windows\\system32\\cmd.exe /c whoami -all'", true)]
    [InlineData("CommandLine: 'cmd.exe'", false)]
    [InlineData("CommandLine|contains: 'CMD.EXE'", true)]
    [InlineData("CommandLine|startswith: 'c:\\windows\\'", true)]
    [InlineData("CommandLine|endswith: '-all'", true)]
    [InlineData("CommandLine|endswith: 'whoami'", false)]
    [InlineData("CommandLine|contains|all: ['cmd', 'whoami', '/c']", true)]
    [InlineData("CommandLine|contains|all: ['cmd', 'powershell']", false)]
    [InlineData("CommandLine|contains: ['powershell', 'whoami']", true)]
    public void String_modifiers_compare_case_insensitively(string item, bool expected) =>
        Assert.Equal(expected, Matches($"selection:\n  {item}\ncondition: selection", Cmd));

    [Theory]
    [InlineData("CommandLine|cased|contains: 'WHOAMI'", false)]
    [InlineData("CommandLine|contains|cased: 'whoami -All'", true)]
    public void Cased_compares_exactly(string item, bool expected) =>
        Assert.Equal(expected, Matches($"selection:\n  {item}\ncondition: selection", Cmd));

    [Theory]
    [InlineData("CommandLine|re: 'cmd\\.exe /c \\w+'", true)]
    [InlineData("CommandLine|re: 'CMD\\.EXE'", false)]
    [InlineData("CommandLine|re|i: 'CMD\\.EXE'", true)]
    [InlineData("CommandLine|re|i|m: '^c:.*ALL$'", true)]
    [InlineData("CommandLine|re: '(?<=cmd)\\.exe'", true)]
    public void Re_is_case_sensitive_unless_i(string item, bool expected) =>
        Assert.Equal(expected, Matches($"selection:\n  {item}\ncondition: selection", Cmd));

    [Theory]
    [InlineData("-All", true)]
    [InlineData("/All", true)]
    [InlineData("\u2013All", true)]
    [InlineData("\u2014All", true)]
    [InlineData("\u2015All", true)]
    [InlineData("+All", false)]
    public void Windash_accepts_every_dash_spelling(string flag, bool expected) =>
        Assert.Equal(expected, Matches("selection:\n  CommandLine|windash|contains: ' -all'\ncondition: selection",
            $$"""{"CommandLine": "whoami {{flag}}"}"""));

    [Theory]
    [InlineData("Ip|cidr: '10.0.0.0/8'", true)]
    [InlineData("Ip|cidr: ['192.168.0.0/16', '10.1.2.0/24']", true)]
    [InlineData("Ip|cidr: '10.1.3.0/24'", false)]
    [InlineData("Ip6|cidr: '2001:db8::/32'", true)]
    [InlineData("Ip6|cidr: '10.0.0.0/8'", false)]
    [InlineData("CommandLine|cidr: '10.0.0.0/8'", false)]
    public void Cidr_matches_addresses_in_the_network(string item, bool expected) =>
        Assert.Equal(expected, Matches($"selection:\n  {item}\ncondition: selection", Cmd));

    [Theory]
    [InlineData("Port|gt: 442", true)]
    [InlineData("Port|gt: 443", false)]
    [InlineData("Port|gte: 443", true)]
    [InlineData("Port|lt: 443", false)]
    [InlineData("Port|lte: 443.0", true)]
    [InlineData("CommandLine|lt: 5", false)]
    public void Numeric_comparisons(string item, bool expected) =>
        Assert.Equal(expected, Matches($"selection:\n  {item}\ncondition: selection", Cmd));

    [Fact]
    public void Base64_matches_the_encoded_value()
    {
        Assert.True(Matches("selection:\n  Data|base64: 'abc'\ncondition: selection", """{"Data": "YWJj"}"""));
        Assert.False(Matches("selection:\n  Data|base64: 'abc'\ncondition: selection", """{"Data": "abc"}"""));
    }

    [Theory]
    [InlineData("http://evil")]
    [InlineData("Xhttp://evil")]
    [InlineData("XYhttp://evil")]
    [InlineData("XYZhttp://evil/more")]
    public void Base64offset_finds_the_value_at_any_offset(string plain)
    {
        var encoded = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(plain));
        Assert.True(Matches("selection:\n  Data|base64offset|contains: 'http://evil'\ncondition: selection", $$"""{"Data": "{{encoded}}"}"""));
    }

    [Fact]
    public void Base64offset_produces_pysigma_spellings() =>
        Assert.Equal(["aHR0cDovL2V2aW", "h0dHA6Ly9ldmls", "odHRwOi8vZXZpb"],
            SigmaModifiers.Base64Offsets(System.Text.Encoding.UTF8.GetBytes("http://evil")).ToArray());

    [Theory]
    [InlineData("wide", "utf-16LE")]
    [InlineData("utf16le", "utf-16LE")]
    [InlineData("utf16be", "utf-16BE")]
    public void Utf16_encodings_before_base64(string modifier, string encoding)
    {
        var encoded = Convert.ToBase64String(System.Text.Encoding.GetEncoding(encoding).GetBytes("Invoke-Mimikatz"));
        Assert.True(Matches($"selection:\n  Data|{modifier}|base64: 'Invoke-Mimikatz'\ncondition: selection", $$"""{"Data": "{{encoded}}"}"""));
    }

    [Fact]
    public void Utf16_with_bom_before_base64()
    {
        byte[] bytes = [0xFF, 0xFE, .. System.Text.Encoding.Unicode.GetBytes("iex")];
        Assert.True(Matches("selection:\n  Data|utf16|base64: 'iex'\ncondition: selection", $$"""{"Data": "{{Convert.ToBase64String(bytes)}}"}"""));
    }

    [Fact]
    public void Wide_base64offset_contains_finds_powershell_encoded_commands()
    {
        var encoded = Convert.ToBase64String(System.Text.Encoding.Unicode.GetBytes("IEX (New-Object Net.WebClient).DownloadString('x')"));
        Assert.True(Matches("selection:\n  CommandLine|wide|base64offset|contains: 'DownloadString'\ncondition: selection",
            $$"""{"CommandLine": "powershell -enc {{encoded}}"}"""));
    }

    [Fact]
    public void Encoding_without_base64_is_not_loaded() =>
        Assert.Contains("must be followed by 'base64'", Problem("selection:\n  Data|wide: 'x'\ncondition: selection"));

    [Theory]
    [InlineData("""{"A": "x"}""", true)]
    [InlineData("""{"A": "x", "B": null}""", true)]
    [InlineData("""{"A": "x", "B": ""}""", true)]
    [InlineData("""{"A": "x", "B": "y"}""", false)]
    public void Null_matches_a_missing_or_empty_field(string json, bool expected) =>
        Assert.Equal(expected, Matches("selection:\n  A: x\n  B: null\ncondition: selection", json));

    [Theory]
    [InlineData("B|exists: true", """{"B": ""}""", true)]
    [InlineData("B|exists: true", """{"A": "x"}""", false)]
    [InlineData("B|exists: false", """{"A": "x"}""", true)]
    [InlineData("B|exists: false", """{"B": null}""", false)]
    public void Exists_tests_presence(string item, string json, bool expected) =>
        Assert.Equal(expected, Matches($"selection:\n  {item}\ncondition: selection", json));

    [Theory]
    [InlineData("""{"A": "Alice", "B": "alice"}""", true)]
    [InlineData("""{"A": "Alice", "B": "bob"}""", false)]
    [InlineData("""{"A": "Alice"}""", false)]
    public void Fieldref_compares_two_fields(string json, bool expected) =>
        Assert.Equal(expected, Matches("selection:\n  A|fieldref: B\ncondition: selection", json));

    [Fact]
    public void Expand_uses_configured_placeholder_values()
    {
        var options = new SigmaReaderOptions { Placeholders = new Dictionary<string, IReadOnlyList<string>> { ["Admins"] = ["root", "admin*"] } };
        Assert.True(Matches("selection:\n  User|expand: '%Admins%'\ncondition: selection", """{"User": "administrator"}""", options));
        Assert.False(Matches("selection:\n  User|expand: '%Admins%'\ncondition: selection", """{"User": "bob"}""", options));
    }

    [Fact]
    public void Expand_without_configured_value_is_not_loaded_with_that_reason() =>
        Assert.Contains("placeholder '%Admins%' has no configured value", Problem("selection:\n  User|expand: '%Admins%'\ncondition: selection"));

    [Theory]
    [InlineData("A|contians: x", "unknown modifier 'contians'")]
    [InlineData("A|i: x", "only valid after 're'")]
    [InlineData("A|contains|startswith: x", "cannot be combined")]
    [InlineData("A|re: '(unclosed'", "invalid regular expression")]
    [InlineData("A|cidr: '10.0.0.0/99'", "not a CIDR network")]
    [InlineData("A|gt: ten", "not a number")]
    [InlineData("A|exists: maybe", "true or false")]
    public void Bad_modifiers_are_reported(string item, string reason) =>
        Assert.Contains(reason, Problem($"selection:\n  {item}\ncondition: selection"));
}
