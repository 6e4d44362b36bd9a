namespace ImageSearch.Indexing.Imaging;

/// <summary>
/// The short, stable reasons a task records when its image could not be indexed: a code, a colon, one fixed sentence.
/// They carry no path, URL or exception text (those go to the worker's log), so they can be shown to any reader.
/// </summary>
public static class ImageFailureReasons
{
    public const string EmbeddingFailed = "embedding_failed: the model could not embed this image.";

    private static readonly Dictionary<ImageErrorKind, string> ByKind = new()
    {
        [ImageErrorKind.NotFound] = "image_not_found: there is no image at this image_path or image_url.",
        [ImageErrorKind.OutsideRoot] = "image_outside_root: the image_path leads outside the image root.",
        [ImageErrorKind.NotAnImage] = "not_an_image: the data is not an image in a supported format.",
        [ImageErrorKind.Truncated] = "image_truncated: the image data is truncated or corrupt.",
        [ImageErrorKind.TooLarge] = "image_too_large: the image exceeds the byte or pixel limits (ImageLoader settings).",
        [ImageErrorKind.UnsupportedFormat] = "unsupported_format: the image format is not supported (JPEG, PNG, WebP, GIF and BMP are).",
        [ImageErrorKind.UrlNotAllowed] = "image_url_not_allowed: the image URL is not allowed, or remote images are disabled.",
        [ImageErrorKind.FetchFailed] = "image_fetch_failed: the image URL could not be fetched; it may work later."
    };

    private static readonly HashSet<string> All = [.. ByKind.Values, EmbeddingFailed];

    public static string Of(ImageErrorKind kind) => ByKind[kind];

    /// <summary>True when <paramref name="error"/> is one of these reasons, word for word.</summary>
    public static bool IsStable(string? error) => error is not null && All.Contains(error);
}
