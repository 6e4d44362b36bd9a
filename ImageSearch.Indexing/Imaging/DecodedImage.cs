using SkiaSharp;

namespace ImageSearch.Indexing.Imaging;

/// <summary>Decoded pixels as stored in the file (possibly downscaled), with the EXIF orientation still to apply.</summary>
public sealed class DecodedImage(SKBitmap bitmap, SKEncodedOrigin origin, SKEncodedImageFormat format, SKSizeI encodedSize) : IDisposable
{
    public SKBitmap Bitmap { get; } = bitmap;

    public SKEncodedOrigin Origin { get; } = origin;

    public SKEncodedImageFormat Format { get; } = format;

    /// <summary>The size in the file, before the codec downscaled it.</summary>
    public SKSizeI EncodedSize { get; } = encodedSize;

    /// <summary>The size once the orientation is applied (width and height swap for 90° rotations).</summary>
    public SKSizeI OrientedSize => ImageOrientation.SwapsAxes(Origin)
        ? new SKSizeI(Bitmap.Height, Bitmap.Width)
        : new SKSizeI(Bitmap.Width, Bitmap.Height);

    public void Dispose() => Bitmap.Dispose();
}
