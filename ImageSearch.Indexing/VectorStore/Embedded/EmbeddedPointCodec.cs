using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageSearch.Indexing.VectorStore.Embedded;

/// <summary>How a point is written into its Redis hash: raw float32 bytes (2 KB for 512-d) and a JSON payload.</summary>
internal static class EmbeddedPointCodec
{
    public static byte[] EncodeVector(float[] vector)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The embedded vector store stores little-endian floats.");
        }

        return MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();
    }

    public static float[] DecodeVector(ReadOnlySpan<byte> bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();

    public static byte[] EncodePayload(ProductPayload payload) =>
        JsonSerializer.SerializeToUtf8Bytes(payload, EmbeddedJsonContext.Default.ProductPayload);

    public static ProductPayload DecodePayload(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, EmbeddedJsonContext.Default.ProductPayload)
        ?? throw new InvalidDataException("A stored payload is JSON null.");
}

[JsonSerializable(typeof(ProductPayload))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class EmbeddedJsonContext : JsonSerializerContext;
