using System.Diagnostics;
using SkiaSharp;

namespace ImageSearch.Indexing.Imaging;

/// <summary>
/// Loads an image from any <see cref="ImageSource"/> and prepares the picture a model sees: read (file under the
/// image root, URL, or bytes), decode, orient, resample and centre crop. Every failure is an <see cref="ImageLoadException"/>.
/// </summary>
public sealed class ImageLoader(ImageDecoder decoder, RemoteImageFetcher fetcher, ImageRoot root)
{
    public static readonly ActivitySource ActivitySource = new("ImageSearch.Imaging");

    /// <summary>The encoded bytes of the image.</summary>
    public async Task<ReadOnlyMemory<byte>> ReadAsync(ImageSource source, CancellationToken cancellationToken = default)
    {
        switch (source)
        {
            case ImageSource.Bytes bytes:
                return bytes.Content;
            case ImageSource.Url url:
                return await fetcher.FetchAsync(url.Address, cancellationToken);
            case ImageSource.File file:
                var path = root.Resolve(file.RelativePath);
                try
                {
                    return await File.ReadAllBytesAsync(path, cancellationToken);
                }
                catch (FileNotFoundException ex)
                {
                    throw new ImageLoadException(ImageErrorKind.NotFound, $"No image at '{file.RelativePath}' under the image root.", ex);
                }
                catch (UnauthorizedAccessException ex)
                {
                    throw new ImageLoadException(ImageErrorKind.NotFound, $"The image '{file.RelativePath}' cannot be read: {ex.Message}", ex);
                }
            default:
                throw new ArgumentException($"Unknown image source {source.GetType().Name}.", nameof(source));
        }
    }

    /// <summary>Decodes <paramref name="encoded"/> and renders it, upright and centre-cropped, into <paramref name="destination"/>.</summary>
    public void Render(ReadOnlySpan<byte> encoded, SKBitmap destination)
    {
        using var activity = ActivitySource.StartActivity("decode image");
        using var decoded = decoder.Decode(encoded, Math.Max(destination.Width, destination.Height));
        activity?.SetTag("image.format", decoded.Format.ToString());
        activity?.SetTag("image.width", decoded.EncodedSize.Width);
        activity?.SetTag("image.height", decoded.EncodedSize.Height);
        CentreCropResampler.Render(decoded, destination);
    }
}
