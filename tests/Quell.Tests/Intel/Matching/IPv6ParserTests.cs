using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Quell.Intel.Matching;

namespace Quell.Tests.Intel.Matching;

/// <summary>
/// The matcher's own parser of hexadecimal IPv6 groups must say exactly what <see cref="IPAddress.TryParse(string?, out IPAddress?)"/>
/// says wherever it answers (it leaves embedded IPv4 addresses and zones to it).
/// </summary>
public sealed class IPv6ParserTests
{
    [Fact]
    public void Agrees_with_IPAddress_on_random_addresses_and_random_strings()
    {
        var random = new Random(11);
        var answered = 0;
        var accepted = 0;
        for (var n = 0; n < 200_000; n++)
        {
            var text = n % 2 == 0 ? Address(random) : Noise(random);
            var fast = ValueKeys.TryHexGroups(Encoding.ASCII.GetBytes(text), out var address);
            if (fast is null)
                continue;
            answered++;
            var expected = IPAddress.TryParse(text, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6;
            Assert.True(expected == fast, $"'{text}': IPAddress says {expected}, the matcher {fast}");
            if (!expected)
                continue;
            accepted++;
            Assert.True(Number(ip!) == address, $"'{text}' parsed to another address");
        }
        // Both kinds of answer were exercised many times.
        Assert.InRange(accepted, 50_000, 200_000);
        Assert.InRange(answered - accepted, 20_000, 200_000);
    }

    [Theory]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("1::")]
    [InlineData("2001:DB8::1:0:0:1")]
    [InlineData("1:2:3:4:5:6:7::")]
    [InlineData("::2:3:4:5:6:7:8")]
    [InlineData("1:2:3:4:5:6:7:8")]
    public void Reads_the_compressed_forms(string text)
    {
        Assert.True(ValueKeys.TryHexGroups(Encoding.ASCII.GetBytes(text), out var address));
        Assert.Equal(Number(IPAddress.Parse(text)), address);
    }

    static UInt128 Number(IPAddress ip) => BinaryPrimitives.ReadUInt128BigEndian(ip.GetAddressBytes());

    /// <summary>Eight groups of 1–5 hex digits, mixed case, sometimes a run replaced by "::", sometimes one group too many or too few.</summary>
    static string Address(Random random)
    {
        var count = 8 + random.Next(-1, 2) * (random.Next(4) == 0 ? 1 : 0);
        var groups = new List<string>();
        for (var g = 0; g < count; g++)
        {
            var digits = random.Next(20) == 0 ? 5 : random.Next(1, 5);
            var group = new StringBuilder();
            for (var d = 0; d < digits; d++)
                group.Append("0123456789abcdefABCDEF"[random.Next(random.Next(3) == 0 ? 1 : 22)]);
            groups.Add(group.ToString());
        }
        if (random.Next(3) > 0)
        {
            var start = random.Next(count + 1);
            var length = random.Next(0, count - start + 1);
            groups.RemoveRange(start, length);
            groups.Insert(start, "");
            if (start == 0)
                groups.Insert(0, "");
            if (start == groups.Count - 1)
                groups.Add("");
        }
        return string.Join(':', groups);
    }

    static string Noise(Random random)
    {
        var text = new StringBuilder();
        var length = random.Next(0, 46);
        for (var i = 0; i < length; i++)
            text.Append("0123456789abcdefABCDEF::::"[random.Next(26)]);
        return text.ToString();
    }
}
