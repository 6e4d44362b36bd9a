using Microsoft.Extensions.Options;
using SkiaSharp;

namespace ImageSearch.Indexing.Imaging;

/// <summary>
/// Decodes JPEG, PNG, WebP, GIF and BMP with SKCodec, the first frame only of an animation. The pixel count is checked
/// before any pixel is decoded: JPEG and lossy WebP decode large images downscaled, no smaller than the size asked for,
/// within <see cref="ImageLoaderOptions.MaxPixels"/>; the other codecs hold the whole image in memory whatever size is
/// asked for (Skia's GIF codec and libwebp's lossless decoder allocate it internally, PNG has no scanline decoder in
/// this Skia), so they are refused past <see cref="ImageLoaderOptions.MaxFullDecodePixels"/>.
/// </summary>
public sealed class ImageDecoder
{
    private static readonly HashSet<SKEncodedImageFormat> SupportedFormats =
        [SKEncodedImageFormat.Jpeg, SKEncodedImageFormat.Png, SKEncodedImageFormat.Webp, SKEncodedImageFormat.Gif, SKEncodedImageFormat.Bmp];

    private readonly long _maxPixels;
    private readonly long _maxFullDecodePixels;

    public ImageDecoder(IOptions<ImageLoaderOptions> options)
    {
        _maxPixels = options.Value.MaxPixels;
        _maxFullDecodePixels = options.Value.MaxFullDecodePixels;
        if (_maxPixels <= 0 || _maxFullDecodePixels <= 0)
        {
            throw new InvalidOperationException("ImageLoader:MaxPixels and ImageLoader:MaxFullDecodePixels must be positive.");
        }
    }

    /// <summary>
    /// Refuses an image whose header alone shows it is over the limits, from the first bytes of the file (the header
    /// of PNG, GIF, BMP and WebP is at the start; JPEG's after its metadata). Cheap: no pixel is decoded, so a caller
    /// can refuse before it queues for the costly work. Says nothing of an image whose header it cannot read.
    /// </summary>
    /// <exception cref="ImageLoadException">TooLarge, when the header declares too many pixels.</exception>
    public void RefuseIfTooLarge(ReadOnlySpan<byte> head)
    {
        using var data = SKData.CreateCopy(head);
        using var codec = SKCodec.Create(new SKMemoryStream(data), out _);
        if (codec is not null && SupportedFormats.Contains(codec.EncodedFormat) && codec.Info.Width > 0 && codec.Info.Height > 0)
        {
            CheckPixels(codec, head, headOnly: true);
        }
    }

    /// <summary>Decodes <paramref name="encoded"/> so that its shorter side is at least <paramref name="minShortSide"/> pixels where the image has them.</summary>
    public DecodedImage Decode(ReadOnlySpan<byte> encoded, int minShortSide)
    {
        if (encoded.IsEmpty)
        {
            throw new ImageLoadException(ImageErrorKind.NotAnImage, "The image is empty (0 bytes).");
        }

        using var data = SKData.CreateCopy(encoded);
        // The codec takes ownership of the stream when it is created.
        var stream = new SKMemoryStream(data);
        using var codec = SKCodec.Create(stream, out var createResult);
        if (codec is null)
        {
            stream.Dispose();
            throw NotDecodable(encoded, createResult);
        }

        if (!SupportedFormats.Contains(codec.EncodedFormat))
        {
            throw new ImageLoadException(ImageErrorKind.UnsupportedFormat,
                $"{codec.EncodedFormat} images are not supported (JPEG, PNG, WebP, GIF and BMP are).");
        }

        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0)
        {
            throw new ImageLoadException(ImageErrorKind.NotAnImage, "The image has no pixels.");
        }

        CheckPixels(codec, encoded, headOnly: false);

        var size = ScaledSize(codec, minShortSide);
        var target = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul, SKColorSpace.CreateSrgb());
        var bitmap = new SKBitmap(target);
        // Frame 0 only: an animated GIF or WebP is searched by its first frame.
        var result = codec.GetPixels(target, bitmap.GetPixels(), new SKCodecOptions(0));
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw result switch
            {
                SKCodecResult.IncompleteInput => new ImageLoadException(ImageErrorKind.Truncated,
                    $"The {codec.EncodedFormat} image is truncated: its data ends before the last row."),
                SKCodecResult.ErrorInInput => new ImageLoadException(ImageErrorKind.Truncated,
                    $"The {codec.EncodedFormat} image data is corrupt."),
                _ => new ImageLoadException(ImageErrorKind.NotAnImage, $"The {codec.EncodedFormat} image could not be decoded ({result}).")
            };
        }

        return new DecodedImage(bitmap, codec.EncodedOrigin, codec.EncodedFormat, new SKSizeI(info.Width, info.Height));
    }

    private void CheckPixels(SKCodec codec, ReadOnlySpan<byte> encoded, bool headOnly)
    {
        var info = codec.Info;
        var pixels = (long)info.Width * info.Height;
        if (pixels > _maxPixels)
        {
            throw new ImageLoadException(ImageErrorKind.TooLarge,
                $"The image is {info.Width}x{info.Height} ({pixels} pixels), more than ImageLoader:MaxPixels ({_maxPixels}).");
        }

        // From the head alone a WebP's image chunk may not be in sight yet (after a large colour profile, say).
        if (pixels > _maxFullDecodePixels && !DecodesDownscaled(codec.EncodedFormat, encoded) && !(headOnly && codec.EncodedFormat == SKEncodedImageFormat.Webp))
        {
            throw new ImageLoadException(ImageErrorKind.TooLarge,
                $"The image is {info.Width}x{info.Height} ({pixels} pixels); a {FormatName(codec.EncodedFormat, encoded)} image is decoded " +
                $"whole, so at most ImageLoader:MaxFullDecodePixels ({_maxFullDecodePixels}) are accepted. Send it smaller, or as a JPEG.");
        }
    }

    /// <summary>Whether the codec decodes this image downscaled without holding it whole: JPEG, and WebP unless lossless.</summary>
    private static bool DecodesDownscaled(SKEncodedImageFormat format, ReadOnlySpan<byte> encoded) => format switch
    {
        SKEncodedImageFormat.Jpeg => true,
        SKEncodedImageFormat.Webp => !WebpHeader.IsLossless(encoded),
        _ => false
    };

    private static string FormatName(SKEncodedImageFormat format, ReadOnlySpan<byte> encoded) =>
        format == SKEncodedImageFormat.Webp ? "lossless WebP" : format.ToString().ToUpperInvariant();

    /// <summary>The smallest size the codec can decode to whose shorter side still reaches <paramref name="minShortSide"/>.</summary>
    private static SKSizeI ScaledSize(SKCodec codec, int minShortSide)
    {
        var full = codec.Info.Size;
        var shortSide = Math.Min(full.Width, full.Height);
        if (shortSide <= minShortSide * 2)
        {
            return full;
        }

        var best = full;
        // JPEG decodes at n/8 of full size; WebP at any scale. Try the smaller scales first.
        for (var eighths = 1; eighths < 8; eighths++)
        {
            var candidate = codec.GetScaledDimensions(eighths / 8f);
            if (Math.Min(candidate.Width, candidate.Height) >= minShortSide && candidate.Width * (long)candidate.Height < best.Width * (long)best.Height)
            {
                best = candidate;
                break;
            }
        }

        return best;
    }

    private static ImageLoadException NotDecodable(ReadOnlySpan<byte> encoded, SKCodecResult result)
    {
        if (KnownUnsupportedFormat(encoded) is { } format)
        {
            return new ImageLoadException(ImageErrorKind.UnsupportedFormat, $"{format} images are not supported (JPEG, PNG, WebP, GIF and BMP are).");
        }

        // Skia also says IncompleteInput for data too short to recognise: only a known signature makes it a truncated image.
        return result == SKCodecResult.IncompleteInput && HasSupportedSignature(encoded)
            ? new ImageLoadException(ImageErrorKind.Truncated, "The image is truncated: its header is incomplete.")
            : new ImageLoadException(ImageErrorKind.NotAnImage, $"The data is not an image in a known format ({result}).");
    }

    private static bool HasSupportedSignature(ReadOnlySpan<byte> header) => header switch
    {
        [0xFF, 0xD8, ..] => true,                                            // JPEG
        [0x89, 0x50, 0x4E, 0x47, ..] => true,                                // PNG
        [0x47, 0x49, 0x46, 0x38, ..] => true,                                // GIF8
        [0x52, 0x49, 0x46, 0x46, _, _, _, _, 0x57, 0x45, 0x42, 0x50, ..] => true, // RIFF....WEBP
        [0x42, 0x4D, ..] => true,                                            // BM
        _ => false
    };

    /// <summary>Image formats recognised by their signature that SKCodec cannot decode here.</summary>
    private static string? KnownUnsupportedFormat(ReadOnlySpan<byte> header) => header switch
    {
        [0x49, 0x49, 0x2A, 0x00, ..] or [0x4D, 0x4D, 0x00, 0x2A, ..] => "TIFF",
        [_, _, _, _, 0x66, 0x74, 0x79, 0x70, 0x61, 0x76, 0x69, 0x66, ..] => "AVIF",
        [_, _, _, _, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, _, ..] or [_, _, _, _, 0x66, 0x74, 0x79, 0x70, 0x6D, 0x69, 0x66, 0x31, ..] => "HEIF",
        [0x38, 0x42, 0x50, 0x53, ..] => "PSD",
        [0xFF, 0x0A, ..] or [0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20, ..] => "JPEG XL",
        [0x00, 0x00, 0x01, 0x00, ..] => "ICO",
        [0x3C, 0x3F, 0x78, 0x6D, 0x6C, ..] or [0x3C, 0x73, 0x76, 0x67, ..] => "SVG",
        _ => null
    };
}
