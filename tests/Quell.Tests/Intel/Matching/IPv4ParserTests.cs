using System.Text;
using System.Text.RegularExpressions;
using Quell.Intel.Matching;

namespace Quell.Tests.Intel.Matching;

/// <summary>
/// The matcher's one-pass IPv4 parser against the rule it implements, written as a pattern: four octets of one to
/// three decimal digits up to 255, then optionally '/' and one or two digits up to 32.
/// </summary>
public sealed partial class IPv4ParserTests
{
    [GeneratedRegex("^([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})(?:/([0-9]{1,2}))?$")]
    private static partial Regex Dotted();

    [Fact]
    public void Agrees_with_the_dotted_quad_rule_on_random_addresses_and_random_strings()
    {
        var random = new Random(7);
        var accepted = 0;
        for (var n = 0; n < 200_000; n++)
        {
            var text = n % 2 == 0 ? Address(random) : Noise(random);
            var parsed = ValueKeys.TryIPv4(Encoding.ASCII.GetBytes(text), out var address, out var prefix);
            var expected = Expected(text, out var expectedAddress, out var expectedPrefix);
            Assert.True(expected == parsed, $"'{text}': the rule says {expected}, the parser {parsed}");
            if (!expected)
                continue;
            accepted++;
            Assert.True(expectedAddress == address && expectedPrefix == prefix, $"'{text}' parsed to {address}/{prefix}");
        }
        // Both answers were exercised many times.
        Assert.InRange(accepted, 30_000, 170_000);
    }

    static bool Expected(string text, out uint address, out int prefix)
    {
        address = 0;
        prefix = 32;
        var m = Dotted().Match(text);
        if (!m.Success)
            return false;
        for (var g = 1; g <= 4; g++)
        {
            var octet = int.Parse(m.Groups[g].Value);
            if (octet > 255)
                return false;
            address = (address << 8) | (uint)octet;
        }
        if (m.Groups[5].Success)
            prefix = int.Parse(m.Groups[5].Value);
        return prefix <= 32;
    }

    /// <summary>Mostly well-formed quads, with octets and prefixes that run over their limits, and one octet too many or too few.</summary>
    static string Address(Random random)
    {
        var count = random.Next(8) == 0 ? random.Next(3, 6) : 4;
        var octets = Enumerable.Range(0, count).Select(_ => random.Next(6) == 0 ? random.Next(1000).ToString("D" + random.Next(1, 5)) : random.Next(256).ToString());
        var text = string.Join('.', octets);
        return random.Next(3) switch
        {
            0 => text,
            1 => $"{text}/{random.Next(40)}",
            _ => $"{text}/{new string('3', random.Next(0, 4))}",
        };
    }

    static string Noise(Random random)
    {
        var text = new StringBuilder();
        var length = random.Next(0, 20);
        for (var i = 0; i < length; i++)
            text.Append("0123456789....//x"[random.Next(17)]);
        return text.ToString();
    }
}
