using SkiaSharp;

namespace ImageSearch.Tests.Imaging;

/// <summary>Images drawn and encoded in the test, for formats and corner cases real photos do not cover.</summary>
internal static class TestImages
{
    public static readonly SKColor TopLeft = SKColors.Red;
    public static readonly SKColor TopRight = SKColors.Lime;
    public static readonly SKColor BottomLeft = SKColors.Blue;
    public static readonly SKColor BottomRight = SKColors.Yellow;

    /// <summary>A square in four coloured quadrants, as stored for the given EXIF orientation (see the EXIF spec's figures).</summary>
    public static SKBitmap Quadrants(int size, SKEncodedOrigin storedFor = SKEncodedOrigin.TopLeft)
    {
        // Quadrant colours of the stored image, listed TL, TR, BL, BR, such that applying the orientation shows the upright one.
        SKColor[] stored = storedFor switch
        {
            SKEncodedOrigin.TopRight => [TopRight, TopLeft, BottomRight, BottomLeft],
            SKEncodedOrigin.BottomRight => [BottomRight, BottomLeft, TopRight, TopLeft],
            SKEncodedOrigin.BottomLeft => [BottomLeft, BottomRight, TopLeft, TopRight],
            SKEncodedOrigin.LeftTop => [TopLeft, BottomLeft, TopRight, BottomRight],
            SKEncodedOrigin.RightTop => [TopRight, BottomRight, TopLeft, BottomLeft],
            SKEncodedOrigin.RightBottom => [BottomRight, TopRight, BottomLeft, TopLeft],
            SKEncodedOrigin.LeftBottom => [BottomLeft, TopLeft, BottomRight, TopRight],
            _ => [TopLeft, TopRight, BottomLeft, BottomRight]
        };

        var bitmap = new SKBitmap(size, size);
        using var canvas = new SKCanvas(bitmap);
        var half = size / 2;
        using var paint = new SKPaint();
        (int X, int Y)[] corners = [(0, 0), (half, 0), (0, half), (half, half)];
        for (var i = 0; i < 4; i++)
        {
            paint.Color = stored[i];
            canvas.DrawRect(corners[i].X, corners[i].Y, half, half, paint);
        }

        return bitmap;
    }

    /// <summary>A busy drawing (gradients, circles, text-like bars) so the model has something to look at.</summary>
    public static SKBitmap Scene(int width, int height, int seed = 1)
    {
        var random = new Random(seed);
        var bitmap = new SKBitmap(width, height);
        using var canvas = new SKCanvas(bitmap);
        using var background = new SKPaint
        {
            Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height),
                [SKColors.SkyBlue, SKColors.Orange], SKShaderTileMode.Clamp)
        };
        canvas.DrawRect(0, 0, width, height, background);
        using var paint = new SKPaint { IsAntialias = true };
        for (var i = 0; i < 40; i++)
        {
            paint.Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
            canvas.DrawCircle(random.Next(width), random.Next(height), random.Next(Math.Min(width, height) / 20 + 1, Math.Min(width, height) / 5), paint);
        }

        return bitmap;
    }

    public static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality = 95)
    {
        using var data = bitmap.Encode(format, quality) ?? throw new InvalidOperationException($"Skia cannot encode {format}.");
        return data.ToArray();
    }

    public static SKBitmap Decode(byte[] encoded) => SKBitmap.Decode(encoded) ?? throw new InvalidOperationException("Not decodable.");

    /// <summary>A JPEG with an EXIF APP1 segment holding only the orientation tag (0x0112).</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, SKEncodedOrigin origin)
    {
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,   // big-endian TIFF header, IFD at 8
            0x00, 0x01,                                                  // one entry
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,              // Orientation, SHORT, count 1
            0x00, (byte)origin, 0x00, 0x00,                              // value, padded
            0x00, 0x00, 0x00, 0x00                                       // no next IFD
        ];
        byte[] exifHeader = [(byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0];
        var length = 2 + exifHeader.Length + tiff.Length;
        byte[] app1 = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. exifHeader, .. tiff];
        return [.. jpeg[..2], .. app1, .. jpeg[2..]];
    }

    /// <summary>An uncompressed 24-bit BMP (Skia does not encode BMP).</summary>
    public static byte[] EncodeBmp(SKBitmap bitmap)
    {
        var rowSize = (bitmap.Width * 3 + 3) & ~3;
        var pixelBytes = rowSize * bitmap.Height;
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write((byte)'B'); writer.Write((byte)'M');
        writer.Write(54 + pixelBytes); writer.Write(0); writer.Write(54);
        writer.Write(40); writer.Write(bitmap.Width); writer.Write(bitmap.Height);
        writer.Write((short)1); writer.Write((short)24); writer.Write(0); writer.Write(pixelBytes);
        writer.Write(2835); writer.Write(2835); writer.Write(0); writer.Write(0);
        var row = new byte[rowSize];
        for (var y = bitmap.Height - 1; y >= 0; y--)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var color = bitmap.GetPixel(x, y);
                row[x * 3] = color.Blue; row[x * 3 + 1] = color.Green; row[x * 3 + 2] = color.Red;
            }

            writer.Write(row);
        }

        return stream.ToArray();
    }

    /// <summary>
    /// A GIF (Skia does not encode GIF) with a 3-3-2 palette. The LZW stream uses only literal codes and a clear
    /// code every 250 pixels, so the code width stays at 9 bits: valid, if not small.
    /// </summary>
    public static byte[] EncodeGif(SKBitmap bitmap)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write("GIF89a"u8);
        writer.Write((short)bitmap.Width); writer.Write((short)bitmap.Height);
        writer.Write((byte)0xF7); writer.Write((byte)0); writer.Write((byte)0);   // global 256-colour table
        for (var i = 0; i < 256; i++)
        {
            writer.Write((byte)((i >> 5) * 255 / 7)); writer.Write((byte)(((i >> 2) & 7) * 255 / 7)); writer.Write((byte)((i & 3) * 255 / 3));
        }

        writer.Write((byte)0x2C); writer.Write(0); writer.Write((short)bitmap.Width); writer.Write((short)bitmap.Height); writer.Write((byte)0);
        writer.Write((byte)8);   // LZW minimum code size
        var bits = new List<byte>();
        int buffer = 0, count = 0;
        void Emit(int code)
        {
            buffer |= code << count;
            count += 9;
            while (count >= 8) { bits.Add((byte)buffer); buffer >>= 8; count -= 8; }
        }

        var sinceClear = 0;
        Emit(256);
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                if (sinceClear == 250) { Emit(256); sinceClear = 0; }
                var c = bitmap.GetPixel(x, y);
                Emit((c.Red >> 5 << 5) | (c.Green >> 5 << 2) | (c.Blue >> 6));
                sinceClear++;
            }
        }

        Emit(257);
        if (count > 0) { bits.Add((byte)buffer); }
        foreach (var chunk in bits.Chunk(255))
        {
            writer.Write((byte)chunk.Length); writer.Write(chunk);
        }

        writer.Write((byte)0); writer.Write((byte)0x3B);
        return stream.ToArray();
    }

    /// <summary>A geometric variant of a photo: cropped off-centre, mirrored, shrunk and re-encoded as a lower-quality JPEG.</summary>
    public static byte[] Variant(SKBitmap photo)
    {
        var crop = SKRectI.Create(photo.Width / 20, photo.Height / 10, photo.Width * 17 / 20, photo.Height * 8 / 10);
        var size = new SKSizeI(crop.Width * 6 / 10, crop.Height * 6 / 10);
        using var result = new SKBitmap(size.Width, size.Height);
        using (var canvas = new SKCanvas(result))
        {
            canvas.Scale(-1, 1, size.Width / 2f, 0);
            using var image = SKImage.FromBitmap(photo);
            canvas.DrawImage(image, crop, SKRect.Create(size.Width, size.Height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }

        return Encode(result, SKEncodedImageFormat.Jpeg, 70);
    }

    /// <summary>The picture rotated by 90° counter-clockwise: what a camera stores with EXIF orientation 6.</summary>
    public static SKBitmap RotatedCounterClockwise(SKBitmap upright)
    {
        var rotated = new SKBitmap(upright.Height, upright.Width);
        using var canvas = new SKCanvas(rotated);
        canvas.Translate(0, upright.Width);
        canvas.RotateDegrees(-90);
        using var image = SKImage.FromBitmap(upright);
        canvas.DrawImage(image, 0, 0, SKSamplingOptions.Default);
        return rotated;
    }
}
