using System.Diagnostics;
using Microsoft.Extensions.Options;
using SkiaSharp;

namespace ImageSearch.Indexing.Imaging;

/// <summary>
/// Loads an image from any <see cref="ImageSource"/> and prepares the picture a model sees: read (file under the
/// image root, URL, or bytes), decode, orient, resample and centre crop. Every failure is an <see cref="ImageLoadException"/>.
/// </summary>
public sealed class ImageLoader(ImageDecoder decoder, RemoteImageFetcher fetcher, ImageRoot root, IOptions<ImageLoaderOptions> options)
{
    private readonly long _maxFileBytes = options.Value.MaxFileBytes;

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
                await using (var stream = root.OpenRead(file.RelativePath))
                {
                    return await ReadCappedAsync(stream, file.RelativePath, cancellationToken);
                }
            default:
                throw new ArgumentException($"Unknown image source {source.GetType().Name}.", nameof(source));
        }
    }

    private async Task<byte[]> ReadCappedAsync(FileStream stream, string relativePath, CancellationToken cancellationToken)
    {
        // The length is read from the open file; a file that grows while it is read is still cut at the cap.
        var length = stream.Length;
        if (length > _maxFileBytes)
        {
            throw new ImageLoadException(ImageErrorKind.TooLarge,
                $"The image '{relativePath}' is {length} bytes, more than ImageLoader:MaxFileBytes ({_maxFileBytes}).");
        }

        var content = new byte[length];
        try
        {
            await stream.ReadExactlyAsync(content, cancellationToken);
        }
        catch (EndOfStreamException ex)
        {
            throw new ImageLoadException(ImageErrorKind.Truncated, $"The image '{relativePath}' shrank while it was read.", ex);
        }

        if (stream.ReadByte() >= 0)
        {
            throw new ImageLoadException(ImageErrorKind.TooLarge, $"The image '{relativePath}' grew while it was read.");
        }

        return content;
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
