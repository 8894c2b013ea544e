using Quell.Intel;
using Quell.Intel.Matching;

namespace Quell.Tests.Intel.Matching;

public sealed class IndicatorIndexTests
{
    readonly IndicatorIndex _index = new();
    long _nextId;

    /// <summary>Adds as the store would: normalized first.</summary>
    long Add(string type, string value)
    {
        var normalized = IndicatorNormalizer.Normalize(type, value, out var error) ?? throw new InvalidOperationException(error);
        var id = ++_nextId;
        Assert.True(_index.Add(id, type, normalized));
        return id;
    }

    List<long> Match(string value)
    {
        var ids = new List<long>();
        var found = _index.Match(value, ids);
        Assert.Equal(found, ids.Count > 0);
        Assert.Equal(found, _index.IsMatch(value));
        Assert.Equal(found, _index.IsMatch(System.Text.Encoding.UTF8.GetBytes(value)));
        return ids;
    }

    [Theory]
    [InlineData("md5", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709")]
    [InlineData("sha256", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    public void Hashes_match_whatever_their_case(string type, string listed, string looked)
    {
        var id = Add(type, listed);

        Assert.Equal([id], Match(looked));
        Assert.Equal([id], Match("  " + listed + "\n"));
        Assert.Empty(Match(looked[..^1] + (looked[^1] == '0' ? "1" : "0")));
    }

    [Fact]
    public void An_md5_is_not_confused_with_a_sha1_that_starts_with_it()
    {
        Add("md5", "d41d8cd98f00b204e9800998ecf8427e");

        Assert.Empty(Match("d41d8cd98f00b204e9800998ecf8427e00000000"));
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.255.3.4", true)]
    [InlineData("10.0.0.0/8", "11.0.0.0", false)]
    [InlineData("10.0.0.0/8", "10.1.0.0/16", true)]
    [InlineData("10.1.0.0/16", "10.0.0.0/8", false)]
    [InlineData("192.0.2.7", "192.0.2.7", true)]
    [InlineData("192.0.2.7/32", "192.0.2.8", false)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    [InlineData("2001:db8::/32", "2001:DB8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("::/0", "fe80::1", true)]
    [InlineData("::/0", "10.0.0.1", false)]
    [InlineData("2001:db8::1/128", "2001:db8:0:0:0:0:0:1", true)]
    [InlineData("2001:db8::1/128", "2001:db8::2", false)]
    [InlineData("2001:db8::1", "2001:0db8::0001", true)]
    public void Addresses_match_the_blocks_that_contain_them(string listed, string looked, bool matches)
    {
        var id = Add("ip-dst", listed);

        Assert.Equal(matches ? [id] : [], Match(looked));
    }

    [Fact]
    public void An_address_matches_every_listed_block_around_it()
    {
        var wide = Add("ip-src", "198.51.0.0/16");
        var narrow = Add("ip-dst", "198.51.100.0/24");
        var exact = Add("ip-dst", "198.51.100.7");
        Add("ip-dst", "198.51.101.0/24");

        Assert.Equal([exact, narrow, wide], Match("198.51.100.7").Order().Reverse());
        Assert.Equal([wide], Match("198.51.200.1"));
    }

    [Theory]
    [InlineData("evil.example", "evil.example", true)]
    [InlineData("evil.example", "a.b.evil.example", true)]
    [InlineData("evil.example", "A.B.EVIL.Example.", true)]
    [InlineData("evil.example", "notevil.example", false)]
    [InlineData("evil.example", "evil.example.org", false)]
    [InlineData("evil.example", "example", false)]
    [InlineData("login.evil.example", "evil.example", false)]
    [InlineData("login.evil.example", "x.login.evil.example", true)]
    [InlineData("bücher.example", "www.xn--bcher-kva.example", true)]
    [InlineData("xn--bcher-kva.example", "www.bücher.example", true)]
    public void Names_match_themselves_and_their_subdomains_only(string listed, string looked, bool matches)
    {
        var id = Add(listed.Count(c => c == '.') == 1 ? "domain" : "hostname", listed);

        Assert.Equal(matches ? [id] : [], Match(looked));
    }

    [Theory]
    [InlineData("evil[.]example")]
    [InlineData("evil(dot)example")]
    [InlineData("hxxp://evil[.]example/x")]
    [InlineData("hxxps[:]//www.evil[.]example")]
    [InlineData("user[at]evil[.]example")]
    public void Defanged_values_are_refanged_before_lookup(string looked)
    {
        var id = Add("domain", "evil.example");

        Assert.Equal([id], Match(looked));
    }

    [Fact]
    public void Urls_match_after_canonicalization()
    {
        var id = Add("url", "HTTP://Evil.Example:80/a/./b/../login.php?x=%7e1#frag");

        Assert.Equal([id], Match("http://evil.example/a/login.php?x=~1"));
        Assert.Equal([id], Match("hxxp://evil[.]example/a/login.php?x=~1"));
        Assert.Equal([id], Match("http://EVIL.example/a/login.php?x=%7E1#other"));
        Assert.Empty(Match("http://evil.example/a/login.php?x=2"));
        Assert.Empty(Match("https://evil.example/a/login.php?x=~1"));
    }

    [Fact]
    public void A_url_with_an_empty_path_matches_its_slash_form()
    {
        var id = Add("url", "https://evil.example");

        Assert.Equal([id], Match("https://evil.example/"));
        Assert.Equal([id], Match("https://evil.example"));
    }

    [Fact]
    public void A_url_matches_the_listed_name_or_address_of_its_host()
    {
        var domain = Add("domain", "evil.example");
        var block = Add("ip-dst", "203.0.113.0/24");
        var v6 = Add("ip-dst", "2001:db8::7");

        Assert.Equal([domain], Match("https://cdn.evil.example/payload.bin"));
        Assert.Equal([domain], Match("http://user:pw@evil.example:8080/x"));
        Assert.Equal([block], Match("http://203.0.113.50/gate.php"));
        Assert.Equal([v6], Match("http://[2001:db8::7]:8443/"));
        Assert.Empty(Match("https://notevil.example/payload.bin"));
    }

    [Fact]
    public void E_mail_addresses_match_exactly_and_by_listed_domain()
    {
        var address = Add("email-src", "Phisher@Bad.Example");
        var domain = Add("domain", "worse.example");

        Assert.Equal([address], Match("phisher@bad.example"));
        Assert.Equal([address], Match("PHISHER@BAD.EXAMPLE"));
        Assert.Empty(Match("other@bad.example"));
        Assert.Equal([domain], Match("anyone@mail.worse.example"));
    }

    [Fact]
    public void Text_types_match_exactly()
    {
        var id = Add("mutex", "Global\\EvilMutex");
        var file = Add("filename", "invoice.pdf.exe");

        Assert.Equal([id], Match("Global\\EvilMutex"));
        Assert.Empty(Match("Global\\evilmutex"));
        Assert.Equal([file], Match("invoice.pdf.exe"));
    }

    [Fact]
    public void Composite_indicators_match_by_each_part_but_not_by_port()
    {
        var fileHash = Add("filename|sha256", "dropper.exe|E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855");
        var ipPort = Add("ip-dst|port", "192.0.2.1|443");
        var domainIp = Add("domain|ip", "evil.example|198.51.100.1");

        Assert.Equal([fileHash], Match("dropper.exe"));
        Assert.Equal([fileHash], Match("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        Assert.Equal([ipPort], Match("192.0.2.1"));
        Assert.Empty(Match("443"));
        Assert.Equal([domainIp], Match("www.evil.example"));
        Assert.Equal([domainIp], Match("198.51.100.1"));
    }

    [Fact]
    public void One_value_held_by_several_indicators_returns_each_once()
    {
        var md5 = Add("md5", "d41d8cd98f00b204e9800998ecf8427e");
        var imphash = Add("imphash", "d41d8cd98f00b204e9800998ecf8427e");
        var src = Add("ip-src", "192.0.2.1");
        var dst = Add("ip-dst", "192.0.2.1");
        var url = Add("url", "http://evil.example/");
        var domain = Add("domain", "evil.example");

        Assert.Equal([md5, imphash], Match("d41d8cd98f00b204e9800998ecf8427e"));
        Assert.Equal([src, dst], Match("192.0.2.1"));
        Assert.Equal([url, domain], Match("http://evil.example/"));
    }

    [Fact]
    public void Removed_indicators_no_longer_match_and_the_others_still_do()
    {
        var ids = Enumerable.Range(0, 2000).Select(i => (Id: Add("domain", $"d{i}.example"), Value: $"d{i}.example")).ToList();
        var shared1 = Add("md5", "d41d8cd98f00b204e9800998ecf8427e");
        var shared2 = Add("imphash", "d41d8cd98f00b204e9800998ecf8427e");
        var block = Add("ip-dst", "10.0.0.0/8");

        foreach (var (id, value) in ids.Where(x => x.Id % 2 == 0))
            Assert.True(_index.Remove(id, "domain", value));
        Assert.True(_index.Remove(shared1, "md5", "d41d8cd98f00b204e9800998ecf8427e"));
        Assert.True(_index.Remove(block, "ip-dst", "10.0.0.0/8"));
        Assert.False(_index.Remove(block, "ip-dst", "10.0.0.0/8"));

        foreach (var (id, value) in ids)
            Assert.Equal(id % 2 == 0 ? [] : [id], Match("www." + value));
        Assert.Equal([shared2], Match("d41d8cd98f00b204e9800998ecf8427e"));
        Assert.Empty(Match("10.1.2.3"));
        Assert.Equal(1001, _index.Count);
    }

    [Fact]
    public void Adding_the_same_indicator_twice_is_one_entry()
    {
        var id = Add("domain", "evil.example");

        Assert.False(_index.Add(id, "domain", "evil.example"));
        Assert.Equal(1, _index.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not a value")]
    [InlineData("http://")]
    [InlineData("@")]
    [InlineData("a@")]
    [InlineData("999.1.1.1")]
    [InlineData("1.2.3.4.5")]
    [InlineData("::/129")]
    [InlineData("..")]
    [InlineData("\u0000evil.example")]
    [InlineData("http://evil.example\u0000/")]
    public void Garbage_matches_nothing_and_never_throws(string looked)
    {
        Add("domain", "evil.example");
        Add("ip-dst", "0.0.0.0/0");

        Assert.Empty(Match(looked));
    }

    [Fact]
    public void A_huge_value_matches_nothing()
    {
        Add("domain", "evil.example");

        Assert.Empty(Match(new string('a', 100_000) + ".evil.example"));
    }

    [Fact]
    public void A_value_not_in_normalized_form_is_refused()
    {
        Assert.Throws<ArgumentException>(() => _index.Add(1, "ip-dst", "not-an-ip"));
        Assert.Throws<ArgumentException>(() => _index.Add(1, "no-such-type", "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _index.Add(0, "domain", "evil.example"));
    }
}
