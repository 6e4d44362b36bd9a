using System.Buffers.Binary;

namespace ImageSearch.Indexing.Imaging;

/// <summary>
/// Reads a WebP file's chunk list (RIFF) to tell lossy from lossless: libwebp decodes lossy images downscaled, but
/// holds a lossless one whole (4 bytes a pixel) whatever size is asked for.
/// </summary>
internal static class WebpHeader
{
    /// <summary>True when the first frame's image data is lossless (VP8L), or when the chunks cannot be read.</summary>
    public static bool IsLossless(ReadOnlySpan<byte> file)
    {
        // RIFF, size, WEBP, then chunks: FourCC, little-endian size, data padded to an even length.
        long position = 12;
        while (position + 8 <= file.Length)
        {
            var fourCc = file.Slice((int)position, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(file.Slice((int)position + 4, 4));
            if (fourCc.SequenceEqual("VP8L"u8))
            {
                return true;
            }

            if (fourCc.SequenceEqual("VP8 "u8))
            {
                return false;
            }

            // An animation frame holds its image chunks after a 16-byte frame header: read on inside it.
            position += fourCc.SequenceEqual("ANMF"u8) ? 8 + 16 : 8 + size + (size & 1);
        }

        return true;
    }
}
