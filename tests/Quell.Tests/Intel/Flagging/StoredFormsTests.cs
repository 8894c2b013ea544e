using Quell.Intel.Flagging;

namespace Quell.Tests.Intel.Flagging;

public sealed class StoredFormsTests
{
    [Fact]
    public void A_small_block_is_looked_up_by_each_address_and_a_large_one_only_as_written()
    {
        var small = StoredForms.Of("ip-dst", "91.12.13.16/28");
        Assert.Equal(17, small.Count);
        Assert.Contains("91.12.13.16", small);
        Assert.Contains("91.12.13.31", small);
        Assert.DoesNotContain("91.12.13.32", small);
        Assert.Equal(257, StoredForms.Of("ip-dst", "91.12.13.0/24").Count);
        Assert.Equal(["91.12.0.0/16"], StoredForms.Of("ip-dst", "91.12.0.0/16"));
        Assert.Contains("2001:67c:2e8::ff", StoredForms.Of("ip-dst", "2001:67c:2e8::/120"));
    }

    [Fact]
    public void A_url_with_an_empty_path_is_also_looked_up_without_its_slash_and_composites_by_their_parts()
    {
        Assert.Equal(["http://evil.example/", "http://evil.example"], StoredForms.Of("url", "http://evil.example/"));
        Assert.Equal(["http://evil.example/a/"], StoredForms.Of("url", "http://evil.example/a/"));
        Assert.Equal(["invoice.exe", "d41d8cd98f00b204e9800998ecf8427e"], StoredForms.Of("filename|md5", "invoice.exe|d41d8cd98f00b204e9800998ecf8427e"));
        // A port alone says nothing, as in the matcher.
        Assert.Equal(["91.12.13.14"], StoredForms.Of("ip-dst|port", "91.12.13.14|443"));
    }
}
