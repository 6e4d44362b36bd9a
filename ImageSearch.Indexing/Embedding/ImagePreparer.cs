using System.Buffers;
using ImageSearch.Indexing.Imaging;
using SkiaSharp;

namespace ImageSearch.Indexing.Embedding;

/// <summary>
/// The steps before the model: load an image's bytes (file under the image root, URL or upload) and decode it into
/// the model's input at each scale the descriptor asks for. Thread-safe; decoding is CPU-bound and runs on the caller.
/// </summary>
public sealed class ImagePreparer
{
    // Linear with mipmaps: plain linear or Mitchell without mipmaps alias when shrinking by more than 2x.
    private static readonly SKSamplingOptions Sampling = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    private readonly ImageLoader _loader;
    private readonly ImageDecoder _decoder;
    private readonly ModelInputNormalizer _normalizer;
    private readonly ModelInput _input;
    private readonly ModelDescriptor? _descriptor;

    internal ImagePreparer(ImageLoader loader, ImageDecoder decoder, ModelInputNormalizer normalizer, ModelInput input, ModelDescriptor? descriptor)
    {
        _loader = loader;
        _decoder = decoder;
        _normalizer = normalizer;
        _input = input;
        _descriptor = descriptor;
    }

    /// <summary>The encoded bytes. Throws <see cref="ImageLoadException"/> (NotFound, OutsideRoot, UrlNotAllowed, FetchFailed...).</summary>
    public Task<ReadOnlyMemory<byte>> LoadAsync(ImageSource source, CancellationToken cancellationToken = default) =>
        _loader.ReadAsync(source, cancellationToken);

    /// <summary>Decodes and prepares the model's input. Throws <see cref="ImageLoadException"/> for data that is not a usable image.</summary>
    public PreparedImage Decode(ReadOnlySpan<byte> encoded)
    {
        using var activity = ImageLoader.ActivitySource.StartActivity("decode image");
        var wholePicture = _descriptor is { Fit: "whole" };
        var sizes = wholePicture ? _descriptor!.Sizes! : [Math.Max(_input.Width, _input.Height)];
        using var decoded = _decoder.Decode(encoded, sizes.Max());
        activity?.SetTag("image.format", decoded.Format.ToString());
        activity?.SetTag("image.width", decoded.EncodedSize.Width);
        activity?.SetTag("image.height", decoded.EncodedSize.Height);

        var scales = new List<ModelInputTensor>(sizes.Length);
        try
        {
            foreach (var size in sizes)
            {
                var (width, height) = wholePicture ? FitLongerSide(decoded.OrientedSize, size) : (_input.Width, _input.Height);
                using var picture = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
                if (wholePicture)
                {
                    RenderWhole(decoded, picture);
                }
                else
                {
                    CentreCropResampler.Render(decoded, picture);
                }

                var tensor = new ModelInputTensor(ArrayPool<float>.Shared.Rent(3 * width * height), width, height);
                scales.Add(tensor);
                _normalizer.Write(picture, tensor.Data);
            }
        }
        catch
        {
            new PreparedImage(scales).Dispose();
            throw;
        }

        return new PreparedImage(scales);
    }

    /// <summary>
    /// The picture's size with its longer side at <paramref name="size"/>, aspect kept to the nearest multiple of 32:
    /// the network halves its map five times, and the exported graph's fixed paddings only line up on even halves.
    /// </summary>
    internal static (int Width, int Height) FitLongerSide(SKSizeI upright, int size)
    {
        var scale = (float)size / Math.Max(upright.Width, upright.Height);
        static int Multiple(float side) => Math.Max(32, (int)MathF.Round(side / 32) * 32);
        return (Multiple(upright.Width * scale), Multiple(upright.Height * scale));
    }

    /// <summary>The whole picture, upright, scaled into <paramref name="destination"/>; transparent areas over white.</summary>
    private static void RenderWhole(DecodedImage image, SKBitmap destination)
    {
        var upright = image.OrientedSize;
        using var canvas = new SKCanvas(destination);
        canvas.Clear(SKColors.White);
        canvas.Scale((float)destination.Width / upright.Width, (float)destination.Height / upright.Height);
        canvas.Concat(ImageOrientation.ToUpright(image.Origin, image.Bitmap.Width, image.Bitmap.Height));
        using var source = SKImage.FromBitmap(image.Bitmap);
        canvas.DrawImage(source, 0, 0, Sampling);
        canvas.Flush();
    }
}
