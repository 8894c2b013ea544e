using System.Text.Json;
using Quell.Intel;
using Quell.Tests.Support;

namespace Quell.Tests.Intel;

public sealed class IndicatorTypesTests
{
    static JsonElement DescribeTypes()
    {
        var doc = JsonDocument.Parse(File.ReadAllText(TestData.Shared("misp", "describeTypes.json"))).RootElement;
        return doc.TryGetProperty("result", out var result) ? result : doc;
    }

    [Fact]
    public void Every_MISP_type_is_known_with_its_default_category_and_to_ids()
    {
        var d = DescribeTypes();
        var types = d.GetProperty("types").EnumerateArray().Select(t => t.GetString()!).ToList();
        Assert.Equal(types, IndicatorTypes.All);
        foreach (var (type, defaults) in d.GetProperty("sane_defaults").EnumerateObject().Select(p => (p.Name, p.Value)))
        {
            Assert.Equal(defaults.GetProperty("default_category").GetString(), IndicatorTypes.DefaultCategory(type));
            Assert.Equal(defaults.GetProperty("to_ids").GetInt32() == 1, IndicatorTypes.DefaultToIds(type));
        }
    }

    [Fact]
    public void Every_category_allows_exactly_the_types_MISP_maps_to_it()
    {
        var d = DescribeTypes();
        Assert.Equal(d.GetProperty("categories").EnumerateArray().Select(c => c.GetString()!), IndicatorTypes.Categories);
        foreach (var mapping in d.GetProperty("category_type_mappings").EnumerateObject())
            foreach (var type in IndicatorTypes.All)
                Assert.Equal(mapping.Value.EnumerateArray().Any(t => t.GetString() == type), IndicatorTypes.CategoryAllows(mapping.Name, type));
    }

    [Theory]
    [InlineData("filename|sha256", "filename", "sha256")]
    [InlineData("ip-dst|port", "ip-dst", "port")]
    [InlineData("domain|ip", "domain", "ip-dst")]
    [InlineData("hostname|port", "hostname", "port")]
    [InlineData("regkey|value", "regkey", "text")]
    public void Composite_types_split_into_typed_parts(string type, string first, string second) =>
        Assert.Equal([first, second], IndicatorTypes.Parts(type) ?? []);

    [Fact]
    public void Every_composite_part_is_itself_a_known_type()
    {
        foreach (var type in IndicatorTypes.All)
            if (IndicatorTypes.Parts(type) is { } parts)
                Assert.All(parts, p => Assert.True(IndicatorTypes.IsKnown(p), $"{type}: part {p}"));
    }
}
