using SkiaSharp;

namespace ImageSearch.Indexing.Imaging;

/// <summary>
/// Turns a decoded image into the model's input picture: upright, its shorter side scaled to the target and the
/// centre cropped, transparent areas over white. One draw does orientation, scaling and cropping.
/// </summary>
public static class CentreCropResampler
{
    // Linear with mipmaps: plain linear or Mitchell without mipmaps alias when shrinking by more than 2x.
    private static readonly SKSamplingOptions Sampling = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    /// <summary>Renders <paramref name="image"/> into <paramref name="destination"/>, whose size is the model's input size.</summary>
    public static void Render(DecodedImage image, SKBitmap destination)
    {
        var upright = image.OrientedSize;
        var scale = Math.Max((float)destination.Width / upright.Width, (float)destination.Height / upright.Height);
        var cropX = (upright.Width * scale - destination.Width) / 2f;
        var cropY = (upright.Height * scale - destination.Height) / 2f;

        using var canvas = new SKCanvas(destination);
        canvas.Clear(SKColors.White);
        canvas.Translate(-cropX, -cropY);
        canvas.Scale(scale);
        canvas.Concat(ImageOrientation.ToUpright(image.Origin, image.Bitmap.Width, image.Bitmap.Height));
        // Immutable, the image shares the bitmap's pixels instead of copying them (a copy of a large image costs as much again).
        image.Bitmap.SetImmutable();
        using var source = SKImage.FromBitmap(image.Bitmap);
        canvas.DrawImage(source, 0, 0, Sampling);
        canvas.Flush();
    }
}
