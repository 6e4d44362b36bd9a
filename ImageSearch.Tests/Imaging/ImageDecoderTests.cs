using ImageSearch.Indexing.Imaging;
using Microsoft.Extensions.Options;
using SkiaSharp;

namespace ImageSearch.Tests.Imaging;

public sealed class ImageDecoderTests
{
    private readonly ImageDecoder _decoder = new(Options.Create(new ImageLoaderOptions()));

    [Theory]
    [InlineData(SKEncodedImageFormat.Jpeg)]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Webp)]
    public void Skia_encoded_formats_decode_at_full_size_when_small(SKEncodedImageFormat format)
    {
        using var scene = TestImages.Scene(300, 200);

        using var decoded = _decoder.Decode(TestImages.Encode(scene, format), 224);

        Assert.Equal(format, decoded.Format);
        Assert.Equal(new SKSizeI(300, 200), new SKSizeI(decoded.Bitmap.Width, decoded.Bitmap.Height));
    }

    [Fact]
    public void GIF_and_BMP_decode()
    {
        using var scene = TestImages.Scene(64, 48);

        using var gif = _decoder.Decode(TestImages.EncodeGif(scene), 224);
        using var bmp = _decoder.Decode(TestImages.EncodeBmp(scene), 224);

        Assert.Equal((SKEncodedImageFormat.Gif, 64, 48), (gif.Format, gif.Bitmap.Width, gif.Bitmap.Height));
        Assert.Equal((SKEncodedImageFormat.Bmp, 64, 48), (bmp.Format, bmp.Bitmap.Width, bmp.Bitmap.Height));
        Assert.Equal(scene.GetPixel(10, 40), bmp.Bitmap.GetPixel(10, 40));
    }

    [Fact]
    public void A_large_JPEG_is_decoded_downscaled_but_not_below_the_size_asked_for()
    {
        using var scene = TestImages.Scene(3000, 2000);

        using var decoded = _decoder.Decode(TestImages.Encode(scene, SKEncodedImageFormat.Jpeg), 224);

        Assert.Equal(new SKSizeI(3000, 2000), decoded.EncodedSize);
        Assert.True(decoded.Bitmap.Height >= 224 && decoded.Bitmap.Height <= 2000 / 4, $"decoded {decoded.Bitmap.Width}x{decoded.Bitmap.Height}");
    }

    [Theory]
    [InlineData(SKEncodedOrigin.TopLeft)]
    [InlineData(SKEncodedOrigin.TopRight)]
    [InlineData(SKEncodedOrigin.BottomRight)]
    [InlineData(SKEncodedOrigin.BottomLeft)]
    [InlineData(SKEncodedOrigin.LeftTop)]
    [InlineData(SKEncodedOrigin.RightTop)]
    [InlineData(SKEncodedOrigin.RightBottom)]
    [InlineData(SKEncodedOrigin.LeftBottom)]
    public void Each_EXIF_orientation_renders_the_picture_upright(SKEncodedOrigin origin)
    {
        using var stored = TestImages.Quadrants(400, storedFor: origin);
        var jpeg = TestImages.WithExifOrientation(TestImages.Encode(stored, SKEncodedImageFormat.Jpeg), origin);
        using var decoded = _decoder.Decode(jpeg, 224);
        using var picture = new SKBitmap(new SKImageInfo(224, 224, SKColorType.Rgba8888, SKAlphaType.Premul));

        CentreCropResampler.Render(decoded, picture);

        Assert.Equal(origin, decoded.Origin);
        AssertClose(TestImages.TopLeft, picture.GetPixel(56, 56));
        AssertClose(TestImages.TopRight, picture.GetPixel(168, 56));
        AssertClose(TestImages.BottomLeft, picture.GetPixel(56, 168));
        AssertClose(TestImages.BottomRight, picture.GetPixel(168, 168));
    }

    [Fact]
    public void A_wide_picture_is_centre_cropped_and_transparency_becomes_white()
    {
        using var wide = new SKBitmap(new SKImageInfo(900, 300, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(wide))
        {
            canvas.Clear(SKColors.Transparent);
            using var paint = new SKPaint { Color = SKColors.Black };
            canvas.DrawRect(0, 0, 300, 300, paint);   // left third: cropped away
            canvas.DrawRect(600, 0, 300, 300, paint); // right third: cropped away
        }

        using var decoded = _decoder.Decode(TestImages.Encode(wide, SKEncodedImageFormat.Png), 224);
        using var picture = new SKBitmap(new SKImageInfo(224, 224, SKColorType.Rgba8888, SKAlphaType.Premul));
        CentreCropResampler.Render(decoded, picture);

        Assert.Equal(SKColors.White, picture.GetPixel(5, 112));
        Assert.Equal(SKColors.White, picture.GetPixel(218, 112));
    }

    [Fact]
    public void An_image_over_the_pixel_cap_is_refused_before_decoding()
    {
        var decoder = new ImageDecoder(Options.Create(new ImageLoaderOptions { MaxPixels = 100 * 100 }));
        using var scene = TestImages.Scene(101, 100);

        var error = Assert.Throws<ImageLoadException>(() => decoder.Decode(TestImages.Encode(scene, SKEncodedImageFormat.Png), 224));

        Assert.Equal(ImageErrorKind.TooLarge, error.Kind);
        Assert.Contains("101x100", error.Message);
    }

    [Fact]
    public void The_default_pixel_cap_is_40_megapixels_and_whole_decodes_16()
    {
        var defaults = new ImageLoaderOptions();

        Assert.Equal(40_000_000, defaults.MaxPixels);
        Assert.Equal(4096 * 4096, defaults.MaxFullDecodePixels);
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Gif)]
    [InlineData(SKEncodedImageFormat.Bmp)]
    [InlineData(SKEncodedImageFormat.Webp)]
    public void A_format_decoded_whole_is_refused_past_the_whole_decode_cap_before_any_pixel_is_decoded(SKEncodedImageFormat format)
    {
        var decoder = new ImageDecoder(Options.Create(new ImageLoaderOptions { MaxFullDecodePixels = 300 * 200 - 1 }));
        using var scene = TestImages.Scene(300, 200);
        var encoded = format switch
        {
            SKEncodedImageFormat.Gif => TestImages.EncodeGif(scene),
            SKEncodedImageFormat.Bmp => TestImages.EncodeBmp(scene),
            SKEncodedImageFormat.Webp => EncodeLosslessWebp(scene),
            _ => TestImages.Encode(scene, format)
        };

        var error = Assert.Throws<ImageLoadException>(() => decoder.Decode(encoded, 224));

        Assert.Equal(ImageErrorKind.TooLarge, error.Kind);
        Assert.Contains("decoded whole", error.Message);
        Assert.Contains("MaxFullDecodePixels", error.Message);
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Jpeg)]
    [InlineData(SKEncodedImageFormat.Webp)]
    public void A_format_decoded_downscaled_may_exceed_the_whole_decode_cap(SKEncodedImageFormat format)
    {
        var decoder = new ImageDecoder(Options.Create(new ImageLoaderOptions { MaxFullDecodePixels = 1000 * 1000 - 1 }));
        using var scene = TestImages.Scene(2000, 1000);

        // Lossy WebP and JPEG decode at a fraction of their size: no whole bitmap is held.
        using var decoded = decoder.Decode(TestImages.Encode(scene, format, 80), 224);

        Assert.Equal(new SKSizeI(2000, 1000), decoded.EncodedSize);
        Assert.True(decoded.Bitmap.Height < 1000, $"decoded at {decoded.Bitmap.Width}x{decoded.Bitmap.Height}");
    }

    [Fact]
    public void An_animated_GIF_is_read_by_its_first_frame()
    {
        using var first = new SKBitmap(64, 48);
        first.Erase(SKColors.Red);
        using var second = new SKBitmap(64, 48);
        second.Erase(SKColors.Blue);
        var gif = TestImages.EncodeGif(first);
        var secondFrame = TestImages.EncodeGif(second);
        // The second GIF's image block (after its 13-byte header and 768-byte palette) spliced in before the trailer.
        byte[] animated = [.. gif[..^1], .. secondFrame[(13 + 768)..]];

        using var decoded = _decoder.Decode(animated, 224);

        Assert.Equal(SKColors.Red, decoded.Bitmap.GetPixel(10, 10));
    }

    private static byte[] EncodeLosslessWebp(SKBitmap bitmap)
    {
        using var pixels = bitmap.PeekPixels();
        using var data = pixels.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 75));
        return data!.ToArray();
    }

    [Fact]
    public void A_truncated_JPEG_is_reported_as_truncated()
    {
        using var scene = TestImages.Scene(400, 300);
        var jpeg = TestImages.Encode(scene, SKEncodedImageFormat.Jpeg);

        var error = Assert.Throws<ImageLoadException>(() => _decoder.Decode(jpeg.AsSpan(0, jpeg.Length / 2), 224));

        Assert.Equal(ImageErrorKind.Truncated, error.Kind);
    }

    [Fact]
    public void A_truncated_PNG_is_reported_as_truncated()
    {
        using var scene = TestImages.Scene(400, 300);
        var png = TestImages.Encode(scene, SKEncodedImageFormat.Png);

        Assert.Equal(ImageErrorKind.Truncated, Assert.Throws<ImageLoadException>(() => _decoder.Decode(png.AsSpan(0, png.Length / 2), 224)).Kind);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF })]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00 })]
    public void An_image_cut_short_inside_its_header_is_truncated(byte[] header) =>
        Assert.Equal(ImageErrorKind.Truncated, Assert.Throws<ImageLoadException>(() => _decoder.Decode(header, 224)).Kind);

    [Theory]
    [InlineData("")]
    [InlineData("hello, this is text and not a picture")]
    [InlineData("{\"image\": true}")]
    [InlineData("x")]
    public void Data_that_is_no_image_is_refused_as_not_an_image(string text)
    {
        var error = Assert.Throws<ImageLoadException>(() => _decoder.Decode(System.Text.Encoding.UTF8.GetBytes(text), 224));

        Assert.Equal(ImageErrorKind.NotAnImage, error.Kind);
    }

    [Fact]
    public void A_TIFF_is_an_unsupported_format()
    {
        byte[] tiff = [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

        var error = Assert.Throws<ImageLoadException>(() => _decoder.Decode(tiff, 224));

        Assert.Equal(ImageErrorKind.UnsupportedFormat, error.Kind);
        Assert.Contains("TIFF", error.Message);
    }

    private static void AssertClose(SKColor expected, SKColor actual)
    {
        var distance = Math.Abs(expected.Red - actual.Red) + Math.Abs(expected.Green - actual.Green) + Math.Abs(expected.Blue - actual.Blue);
        Assert.True(distance < 60, $"expected {expected}, got {actual}");
    }
}
