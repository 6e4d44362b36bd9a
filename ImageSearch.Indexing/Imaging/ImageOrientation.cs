using SkiaSharp;

namespace ImageSearch.Indexing.Imaging;

/// <summary>EXIF orientation, which SKCodec reports but does not apply.</summary>
public static class ImageOrientation
{
    public static bool SwapsAxes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>Maps stored pixel coordinates of a <paramref name="width"/> × <paramref name="height"/> image to upright ones.</summary>
    public static SKMatrix ToUpright(SKEncodedOrigin origin, int width, int height) => origin switch
    {
        // Columns (x' = a·x + b·y + c, y' = d·x + e·y + f) as SKMatrix(scaleX=a, skewX=b, transX=c, skewY=d, scaleY=e, transY=f).
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, width, 0, 1, 0, 0, 0, 1),        // mirrored horizontally
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, width, 0, -1, height, 0, 0, 1), // rotated 180°
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, height, 0, 0, 1),      // mirrored vertically
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),               // transposed
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, height, 1, 0, 0, 0, 0, 1),        // rotate 90° clockwise to view
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, height, -1, 0, width, 0, 0, 1), // transverse
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, width, 0, 0, 1),       // rotate 90° counter-clockwise to view
        _ => SKMatrix.Identity
    };
}
