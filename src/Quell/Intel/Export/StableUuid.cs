using System.Security.Cryptography;
using System.Text;

namespace Quell.Intel.Export;

/// <summary>Name-based UUIDs (RFC 9562 version 5, SHA-1) in Quell's own namespace: the same name always gives the same id.</summary>
public static class StableUuid
{
    /// <summary>UUIDv5(NAMESPACE_URL, "https://quell/intel").</summary>
    public static readonly Guid Namespace = new("7ce1a3fb-9591-51fd-876e-722057ba662b");

    public static Guid For(string name) => V5(Namespace, name);

    public static Guid V5(Guid ns, string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[16 + nameBytes.Length];
        ns.TryWriteBytes(input, bigEndian: true, out _);
        nameBytes.CopyTo(input, 16);
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(input, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
