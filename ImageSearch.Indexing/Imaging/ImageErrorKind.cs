namespace ImageSearch.Indexing.Imaging;

public enum ImageErrorKind
{
    NotFound,
    OutsideRoot,
    NotAnImage,
    Truncated,
    TooLarge,
    UnsupportedFormat,
    /// <summary>Remote images are disabled, or the URL's scheme or host is not allowed.</summary>
    UrlNotAllowed,
    /// <summary>A remote fetch failed in a way that may pass (timeout, 5xx): the only transient kind.</summary>
    FetchFailed
}
