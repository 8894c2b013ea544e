using System.Runtime.CompilerServices;

namespace Quell.Intel.Matching;

/// <summary>
/// The classes of the bytes a value holds, found in one pass: recognizing a value's shape used to take up to eight
/// vectorized scans of it (each with its call and tail), which cost more than the table probes on short values.
/// </summary>
internal static class ByteClasses
{
    public const ushort Digit = 1;
    public const ushort HexLower = 2; // a–f
    public const ushort HexUpper = 4; // A–F
    public const ushort Lower = 8; // g–z
    public const ushort Upper = 16; // G–Z
    public const ushort Dot = 32;
    public const ushort Colon = 64;
    public const ushort Slash = 128;
    public const ushort At = 256;
    public const ushort Question = 512;
    public const ushort DashOrUnderscore = 1024;
    /// <summary>Brackets, parentheses, braces, backslash, space, tab: defanged or not a single value.</summary>
    public const ushort Slow = 2048;
    /// <summary>Bytes of 0x80 and above: non-ASCII.</summary>
    public const ushort High = 4096;
    public const ushort Other = 8192;
    /// <summary>Control characters, DEL, quotes and angle brackets: never part of a value in a canonical shape.</summary>
    public const ushort Unsafe = 16384;

    public const ushort Hex = Digit | HexLower | HexUpper;
    public const ushort Letters = HexLower | HexUpper | Lower | Upper;

    static readonly ushort[] Table = Build();

    static ushort[] Build()
    {
        var table = new ushort[256];
        for (var b = 0; b < 256; b++)
            table[b] = b switch
            {
                >= '0' and <= '9' => Digit,
                >= 'a' and <= 'f' => HexLower,
                >= 'A' and <= 'F' => HexUpper,
                >= 'g' and <= 'z' => Lower,
                >= 'G' and <= 'Z' => Upper,
                '.' => Dot,
                ':' => Colon,
                '/' => Slash,
                '@' => At,
                '?' => Question,
                '-' or '_' => DashOrUnderscore,
                '[' or ']' or '(' or ')' or '{' or '}' or '\\' or ' ' or '\t' => Slow,
                < 0x20 or 0x7F or '"' or '\'' or '<' or '>' => Unsafe,
                >= 0x80 => High,
                _ => Other,
            };
        return table;
    }

    /// <summary>The union of the classes of the bytes of <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ushort Of(ReadOnlySpan<byte> v)
    {
        var table = Table;
        var classes = 0;
        foreach (var b in v)
            classes |= table[b];
        return (ushort)classes;
    }

    /// <summary>Whether every byte is in <paramref name="allowed"/>.</summary>
    public static bool Only(ushort classes, ushort allowed) => (classes & ~allowed) == 0;
}
