using Quell.Intel.Export;

namespace Quell.Tests.Intel.Export;

public class StableUuidTests
{
    [Fact]
    public void Version_5_matches_the_rfc_and_python_reference()
    {
        // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
        Assert.Equal(new Guid("886313e1-3b8a-5372-9b90-0c9aee199e5d"), StableUuid.V5(new Guid("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "python.org"));
        // Python: uuid.uuid5(uuid.NAMESPACE_URL, "https://quell/intel")
        Assert.Equal(StableUuid.Namespace, StableUuid.V5(new Guid("6ba7b811-9dad-11d1-80b4-00c04fd430c8"), "https://quell/intel"));
    }

    [Fact]
    public void The_same_indicator_always_gets_the_same_id_and_others_differ()
    {
        var a = new ExportIndicator { Type = "domain", Value = "evil.example" };
        Assert.Equal(a.Uuid, (a with { Comment = "changed" }).Uuid);
        Assert.NotEqual(a.Uuid, (a with { Type = "hostname" }).Uuid);
        Assert.NotEqual(a.Uuid, (a with { Value = "evil2.example" }).Uuid);
    }
}
