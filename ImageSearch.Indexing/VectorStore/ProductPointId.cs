using System.Security.Cryptography;
using System.Text;

namespace ImageSearch.Indexing.VectorStore;

/// <summary>
/// The point id of a product: a name-based UUID (RFC 9562 version 5) of the product id, so every process
/// derives the same id and indexing a product again replaces its point instead of adding one.
/// </summary>
public static class ProductPointId
{
    /// <summary>Fixed forever: changing it would orphan every stored point.</summary>
    public static readonly Guid Namespace = new("5c1d1e7a-3a8e-4f5b-9a53-2f6c0b7e4d91");

    public static Guid For(string productId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(productId);

        Span<byte> namespaceBytes = stackalloc byte[16];
        Namespace.TryWriteBytes(namespaceBytes, bigEndian: true, out _);
        var name = Encoding.UTF8.GetBytes(productId);

        var input = new byte[16 + name.Length];
        namespaceBytes.CopyTo(input);
        name.CopyTo(input, 16);

        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(input, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(hash[..16], bigEndian: true);
    }
}
