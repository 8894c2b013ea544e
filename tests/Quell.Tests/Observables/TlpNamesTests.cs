using System.Text.Json;
using Quell.Http;
using Quell.Observables;

namespace Quell.Tests.Observables;

public sealed class TlpNamesTests
{
    [Theory]
    [InlineData(Tlp.Clear, "CLEAR")]
    [InlineData(Tlp.Green, "GREEN")]
    [InlineData(Tlp.Amber, "AMBER")]
    [InlineData(Tlp.AmberStrict, "AMBER+STRICT")]
    [InlineData(Tlp.Red, "RED")]
    public void Every_level_has_its_tlp_2_name_and_parses_back(Tlp tlp, string name)
    {
        Assert.Equal(name, TlpNames.Name(tlp));
        Assert.Equal(name, TlpNames.Name((int)tlp));
        Assert.True(TlpNames.TryParse(name, out var parsed));
        Assert.Equal(tlp, parsed);
    }

    [Theory]
    [InlineData("white", Tlp.Clear)]
    [InlineData("TLP:WHITE", Tlp.Clear)]
    [InlineData("tlp:clear", Tlp.Clear)]
    [InlineData(" TLP:GREEN ", Tlp.Green)]
    [InlineData("Amber", Tlp.Amber)]
    [InlineData("AMBER_STRICT", Tlp.AmberStrict)]
    [InlineData("amber-strict", Tlp.AmberStrict)]
    [InlineData("TLP:AMBER+STRICT", Tlp.AmberStrict)]
    [InlineData("red", Tlp.Red)]
    public void Older_and_looser_spellings_are_accepted(string text, Tlp expected)
    {
        Assert.True(TlpNames.TryParse(text, out var tlp));
        Assert.Equal(expected, tlp);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("TLP:")]
    [InlineData("PURPLE")]
    [InlineData("AMBER STRICT")]
    [InlineData("TLP-RED")]
    [InlineData("2")]
    public void Unknown_names_are_refused(string? text) => Assert.False(TlpNames.TryParse(text, out _));

    [Theory]
    [InlineData(0, Tlp.Clear)]
    [InlineData(1, Tlp.Green)]
    [InlineData(2, Tlp.Amber)]
    [InlineData(3, Tlp.Red)]
    public void TheHive_numbers_map_to_tlp_2(int number, Tlp expected)
    {
        Assert.True(TlpNames.TryFromTheHive(number, out var tlp));
        Assert.Equal(expected, tlp);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    [InlineData(int.MaxValue)]
    public void Numbers_outside_thehives_range_are_refused(int number) => Assert.False(TlpNames.TryFromTheHive(number, out _));

    [Fact]
    public void An_unknown_stored_number_is_an_error_not_a_guess() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TlpNames.Name(5));

    [Theory]
    [InlineData("""{"tlp":"TLP:RED"}""", Tlp.Red)]
    [InlineData("""{"tlp":1}""", Tlp.Green)]
    [InlineData("""{"tlp":null}""", null)]
    [InlineData("""{}""", null)]
    public void Read_takes_a_name_or_a_number_and_treats_null_as_absent(string json, Tlp? expected)
    {
        var errors = new InputErrors();
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(expected, TlpNames.Read(new JsonFields(doc.RootElement, errors), "tlp"));
        Assert.False(errors.Any);
    }

    [Theory]
    [InlineData("""{"tlp":"PURPLE"}""")]
    [InlineData("""{"tlp":7}""")]
    [InlineData("""{"tlp":1.5}""")]
    [InlineData("""{"tlp":false}""")]
    public void Read_names_the_field_and_the_accepted_values(string json)
    {
        var errors = new InputErrors();
        using var doc = JsonDocument.Parse(json);
        Assert.Null(TlpNames.Read(new JsonFields(doc.RootElement, errors, "alert."), "tlp"));
        Assert.Equal(["alert.tlp must be CLEAR, GREEN, AMBER, AMBER+STRICT or RED (or TheHive's 0-3)"], errors.ToDictionary()["alert.tlp"]);
    }
}
