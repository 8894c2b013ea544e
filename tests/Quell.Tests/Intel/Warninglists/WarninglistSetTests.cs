using Quell.Intel.Warninglists;
using static Quell.Tests.Intel.Warninglists.SharedLists;

namespace Quell.Tests.Intel.Warninglists;

public sealed class WarninglistSetTests
{
    const string PublicDns = "List of known IPv4 public DNS resolvers";
    const string Rfc1918 = "List of RFC 1918 CIDR blocks";
    const string Tranco = "Top 10K most-used sites from Tranco";
    const string Shorteners = "List of known URL Shorteners domains";
    const string EmptyHashes = "List of known hashes for empty files";
    const string LinkLocal = "List of IPv6 link local blocks";
    const string Disposable = "List of disposable email domains";

    [Fact]
    public void A_public_resolver_hits_public_dns_and_its_neighbour_does_not()
    {
        Assert.Contains(PublicDns, Hits("ip-dst", "8.8.8.8"));
        Assert.DoesNotContain(PublicDns, Hits("ip-dst", "8.8.8.7"));
    }

    [Fact]
    public void A_private_address_and_block_hit_rfc1918_but_the_next_block_does_not()
    {
        Assert.Contains(Rfc1918, Hits("ip-src", "10.1.2.3"));
        Assert.Contains(Rfc1918, Hits("ip-src", "172.16.5.0/24"));
        Assert.DoesNotContain(Rfc1918, Hits("ip-src", "172.32.0.1"));
        Assert.DoesNotContain(Rfc1918, Hits("ip-src", "10.0.0.0/7"));
    }

    [Fact]
    public void Composite_address_and_port_is_checked_by_its_address()
    {
        var hit = Assert.Single(SharedLists.Loaded.Set.Check("ip-dst|port", "10.1.2.3|443"), h => h.List == Rfc1918);
        Assert.Equal("10.1.2.3", hit.Value);
        Assert.Equal("10.0.0.0/8", hit.Match);
        Assert.Contains(Rfc1918, Hits("domain|ip", "corp.example|192.168.1.1"));
    }

    [Fact]
    public void Top_site_and_its_subdomains_hit_tranco_but_a_lookalike_does_not()
    {
        Assert.Contains(Tranco, Hits("domain", "google.com"));
        Assert.Contains(Tranco, Hits("hostname", "mail.google.com"));
        Assert.Contains(Tranco, Hits("url", "https://accounts.google.com/signin?x=1"));
        Assert.Contains(Tranco, Hits("domain", "GOOGLE.com."));
        Assert.DoesNotContain(Tranco, Hits("domain", "google.com.evil.example"));
        Assert.DoesNotContain(Tranco, Hits("domain", "notgoogle.com"));
        Assert.DoesNotContain(Tranco, Hits("url", "http://evil.example/google.com"));
    }

    [Fact]
    public void A_shortener_hits_url_shortener_as_domain_and_as_url()
    {
        Assert.Contains(Shorteners, Hits("domain", "bit.ly"));
        Assert.Contains(Shorteners, Hits("url", "https://bit.ly/3abcDEF"));
        Assert.DoesNotContain(Shorteners, Hits("domain", "bit.lyx.example"));
    }

    [Fact]
    public void The_md5_of_empty_hits_empty_hashes_also_inside_filename_md5()
    {
        Assert.Contains(EmptyHashes, Hits("md5", "D41D8CD98F00B204E9800998ECF8427E"));
        Assert.Contains(EmptyHashes, Hits("filename|md5", "empty.txt|d41d8cd98f00b204e9800998ecf8427e"));
        Assert.DoesNotContain(EmptyHashes, Hits("md5", "d41d8cd98f00b204e9800998ecf8427f"));
    }

    [Fact]
    public void An_IPv6_link_local_address_hits_the_list_written_in_upper_case()
    {
        Assert.Contains(LinkLocal, Hits("ip-dst", "fe80::1ff:fe23:4567:890a"));
        Assert.DoesNotContain(LinkLocal, Hits("ip-dst", "fec0::1"));
    }

    [Fact]
    public void A_disposable_mail_domain_hits_by_substring()
    {
        var hit = Assert.Single(SharedLists.Loaded.Set.Check("email-src", "someone@0-mail.com"), h => h.List == Disposable);
        Assert.Equal("0-mail.com", hit.Match);
        Assert.DoesNotContain(Disposable, Hits("email-src", "someone@quell.example"));
    }

    [Fact]
    public void Matching_attributes_decide_which_types_a_list_applies_to()
    {
        Assert.Empty(SharedLists.Loaded.Set.Check("email-subject", "google.com"));
        Assert.DoesNotContain(Rfc1918, Hits("text", "10.1.2.3"));
        Assert.DoesNotContain(EmptyHashes, Hits("sha384", new string('0', 96)));
    }

    [Fact]
    public void A_list_without_matching_attributes_applies_to_every_type()
    {
        var list = new Warninglist("any", "d", 1, WarninglistType.Substring, ["evil"], [], null);
        var set = WarninglistSet.Create([CompiledWarninglist.Compile(list, out _)!]);
        Assert.Contains("any", Hits("email-subject", "very evil subject", set));
        Assert.Contains("any", Hits("filename", "evil.exe", set));
        Assert.Empty(set.Check("not-a-type", "evil"));
    }

    [Fact]
    public void Regex_lists_take_PHP_delimiters_and_flags()
    {
        var list = new Warninglist("rx", "d", 1, WarninglistType.Regex, ["/^test-[0-9]+\\.example$/i", "#(a)\\1#"], ["domain", "filename"], null);
        var set = WarninglistSet.Create([CompiledWarninglist.Compile(list, out var error)!]);
        Assert.Null(error);
        Assert.Contains("rx", Hits("domain", "TEST-42.example", set));
        Assert.DoesNotContain("rx", Hits("domain", "test-x.example", set));
        Assert.Contains("rx", Hits("filename", "xaax.bin", set));
    }

    [Fact]
    public void String_lists_are_case_sensitive_for_free_text_as_in_MISP()
    {
        var list = new Warninglist("s", "d", 1, WarninglistType.String, ["Setup.exe"], ["filename"], null);
        var set = WarninglistSet.Create([CompiledWarninglist.Compile(list, out _)!]);
        Assert.Contains("s", Hits("filename", "Setup.exe", set));
        Assert.DoesNotContain("s", Hits("filename", "setup.exe", set));
    }
}
