namespace ImageSearch.Indexing.Imaging;

/// <summary>An image could not be loaded; <see cref="Kind"/> says why, and whether a retry can help.</summary>
public sealed class ImageLoadException(ImageErrorKind kind, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public ImageErrorKind Kind { get; } = kind;

    public bool IsTransient => Kind == ImageErrorKind.FetchFailed;
}
