namespace ImageSearch.Api.Apis;

/// <summary>The HTTP answer to an image that could not be loaded; <paramref name="field"/> names where the image came from.</summary>
internal static class ImageProblems
{
    public static ProblemHttpResult From(ImageLoadException error, string field) => Problems.Of(
        error.Kind switch
        {
            ImageErrorKind.NotFound => StatusCodes.Status404NotFound,
            ImageErrorKind.OutsideRoot or ImageErrorKind.UrlNotAllowed => StatusCodes.Status400BadRequest,
            ImageErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
            ImageErrorKind.FetchFailed => StatusCodes.Status502BadGateway,
            _ => StatusCodes.Status422UnprocessableEntity
        },
        Title(error.Kind),
        error.Message,
        field);

    private static string Title(ImageErrorKind kind) => kind switch
    {
        ImageErrorKind.NotFound => "Image not found",
        ImageErrorKind.OutsideRoot => "Image path outside the image root",
        ImageErrorKind.UrlNotAllowed => "Image URL not allowed",
        ImageErrorKind.TooLarge => "Image too large",
        ImageErrorKind.FetchFailed => "Image could not be fetched",
        ImageErrorKind.Truncated => "Image truncated",
        ImageErrorKind.UnsupportedFormat => "Unsupported image format",
        _ => "Not an image"
    };
}
