using System.Text;
using Quell.Http;

namespace Quell.Tests.Http;

public sealed class CursorTests
{
    public static TheoryData<long[]> Keys => new()
    {
        new long[] { 0 },
        new long[] { 1_740_000_000_000, 42 },
        new long[] { 4, 1_740_000_000_000, 9_000_000_001 },
        new long[] { long.MinValue, -1, long.MaxValue },
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public void Encoded_keys_decode_to_the_same_keys(long[] keys)
    {
        var cursor = Cursor.Encode(keys);
        Assert.True(Cursor.TryDecode(cursor, keys.Length, out var decoded));
        Assert.Equal(keys, decoded);
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void A_cursor_is_url_safe_without_escaping(long[] keys)
    {
        var cursor = Cursor.Encode(keys);
        Assert.Equal(Uri.EscapeDataString(cursor), cursor);
        Assert.DoesNotContain('=', cursor);
    }

    [Fact]
    public void A_cursor_with_another_number_of_keys_is_refused()
    {
        Assert.False(Cursor.TryDecode(Cursor.Encode(1, 2), 3, out _));
        Assert.False(Cursor.TryDecode(Cursor.Encode(1, 2, 3), 2, out _));
    }

    static string B64(string text) => Convert.ToBase64String(Encoding.ASCII.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static TheoryData<string?> Garbage => new()
    {
        null,
        "",
        "!!!",
        "a",
        "abcde",
        "ab$d",
        new string('A', 201),
        B64("1,x"),
        B64("1,,2"),
        B64("1, 2"),
        B64("1.5,2"),
        B64("99999999999999999999,1"),
        B64("1;2"),
        Convert.ToBase64String(new byte[] { 0xff, 0xfe, 0x00, 0x31 }),
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Garbage_is_refused_without_throwing(string? cursor)
    {
        Assert.False(Cursor.TryDecode(cursor, 2, out _));
    }
}
