using ImageSearch.Api.Security;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Options;

namespace ImageSearch.Api.Apis;

/// <summary>
/// Serves indexed images (thumbnails on the web page) from the image root, and nothing else. When reads need the key,
/// a request needs it too, or the signed link search results carry (an &lt;img&gt; cannot send a header).
/// </summary>
public static class ImagesApi
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();
    private static readonly HashSet<string> ImageExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp"
    };

    public static IEndpointRouteBuilder MapImagesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/images/{**path}", GetImage)
            .WithTags("Images")
            .WithName("GetImage")
            .WithSummary("An image file under the image root")
            .WithDescription("When ApiKey:RequireForReads is set: the X-Api-Key header, or the expires and signature of an image_link.")
            .WithMetadata(new ApiKeyRequirement(ForReads: true))
            .RequireRateLimiting(RateLimitingOptions.ImagesPolicy);

        return app;
    }

    public static Results<FileStreamHttpResult, ProblemHttpResult> GetImage(
        string path,
        string? expires,
        string? signature,
        HttpContext context,
        ImageRoot root,
        ImageLinks links,
        IOptions<ApiKeyOptions> apiKey,
        ApiKeyFailures failures)
    {
        if (apiKey.Value.RequireForReads && !links.IsValid(path, expires, signature)
            && ApiKeyEndpointFilter.Check(context, apiKey.Value, failures) is { } refused)
        {
            return refused;
        }

        var extension = Path.GetExtension(path);
        if (!ImageExtensions.Contains(extension) || !ContentTypes.TryGetContentType(path, out var contentType))
        {
            return Problems.Of(StatusCodes.Status404NotFound, "Not an image",
                $"Only image files are served ({string.Join(", ", ImageExtensions)}).", "path");
        }

        try
        {
            // Opened, then checked where the open file really is: no link swapped in after a check can lead out.
            return TypedResults.Stream(root.OpenRead(path), contentType);
        }
        catch (ImageLoadException error)
        {
            return ImageProblems.From(error, "path");
        }
    }
}
