using Quell.Intel.Warninglists;
using static Quell.Tests.Intel.Warninglists.SharedLists;

namespace Quell.Tests.Intel.Warninglists;

public sealed class SanityChecksTests
{
    static WarninglistHit Hit(string list, string type, string value, WarninglistSet? set = null) =>
        Assert.Single((set ?? WarninglistSet.SanityOnly).Check(type, Quell.Intel.IndicatorNormalizer.Normalize(type, value, out _)!), h => h.List == list);

    [Theory]
    [InlineData("10.0.0.1", "RFC 1918")]
    [InlineData("172.31.255.255", "RFC 1918")]
    [InlineData("192.168.1.1", "RFC 1918")]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("100.64.0.1", "RFC 6598")]
    [InlineData("192.0.2.10", "RFC 5737")]
    [InlineData("198.51.100.1", "RFC 5737")]
    [InlineData("203.0.113.99", "RFC 5737")]
    [InlineData("224.0.0.251", "multicast")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("fd12:3456::1", "RFC 4193")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("2001:db8::42", "RFC 3849")]
    [InlineData("::ffff:10.0.0.1", "RFC 1918")]
    public void Special_addresses_hit_with_the_reason(string address, string reason)
    {
        var hit = Hit(SanityChecks.ReservedAddress, "ip-dst", address);
        Assert.Equal(CompiledWarninglist.QuellSource, hit.Source);
        Assert.Contains(reason, hit.Reason);
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("100.128.0.1")]
    [InlineData("172.32.0.1")]
    [InlineData("2606:4700::1111")]
    [InlineData("192.0.3.1")]
    public void Public_addresses_do_not_hit(string address) =>
        Assert.Empty(WarninglistSet.SanityOnly.Check("ip-dst", Quell.Intel.IndicatorNormalizer.Normalize("ip-dst", address, out _)!));

    [Fact]
    public void A_url_on_a_private_address_hits()
    {
        Assert.Contains("RFC 1918", Hit(SanityChecks.ReservedAddress, "url", "http://192.168.0.10:8080/admin").Reason);
        Assert.Contains("loopback", Hit(SanityChecks.ReservedAddress, "url", "http://[::1]/").Reason);
    }

    [Theory]
    [InlineData("md5", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709")]
    [InlineData("sha224", "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f")]
    [InlineData("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("sha384", "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b")]
    [InlineData("sha512", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")]
    [InlineData("filename|sha256", "a.txt|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    public void Empty_file_hashes_hit(string type, string value) =>
        Assert.Contains("zero bytes", Hit(SanityChecks.EmptyFileHash, type, value).Reason);

    [Fact]
    public void Too_short_free_text_hits_and_says_the_limit()
    {
        var hit = Hit(SanityChecks.TooShort, "filename", "a.b");
        Assert.Contains("3 characters", hit.Reason);
        Assert.Contains($"at least {ShortValueMatcher.MinLength}", hit.Reason);
        Hit(SanityChecks.TooShort, "mutex", "x");
        Hit(SanityChecks.TooShort, "filename|md5", "a|0123456789abcdef0123456789abcdef");
        Assert.Empty(WarninglistSet.SanityOnly.Check("filename", "a.exe"));
        Assert.Empty(WarninglistSet.SanityOnly.Check("port", "22"));
    }

    [Fact]
    public void An_empty_install_still_knows_google_com_and_its_subdomains()
    {
        Assert.Contains("built-in", Hit(SanityChecks.TopSite, "domain", "google.com").Reason);
        Hit(SanityChecks.TopSite, "url", "https://docs.google.com/x");
        Assert.Empty(WarninglistSet.SanityOnly.Check("domain", "google.com.evil.example"));
    }

    [Fact]
    public void A_loaded_top_sites_list_feeds_the_top_site_check()
    {
        Assert.Empty(WarninglistSet.SanityOnly.Check("domain", "10086.cn"));
        var hit = Hit(SanityChecks.TopSite, "domain", "10086.cn", SharedLists.Loaded.Set);
        Assert.Contains("Top 10K most-used sites from Tranco", hit.Reason);
        Assert.Contains(SanityChecks.TopSite, Hits("domain", "google.com"));
    }
}
