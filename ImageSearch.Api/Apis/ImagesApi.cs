using Microsoft.AspNetCore.StaticFiles;

namespace ImageSearch.Api.Apis;

/// <summary>Serves indexed images (thumbnails on the web page) from the image root, and nothing else.</summary>
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
            .WithSummary("An image file under the image root");

        return app;
    }

    public static Results<PhysicalFileHttpResult, ProblemHttpResult> GetImage(string path, ImageRoot root)
    {
        string file;
        try
        {
            // Refuses '..', control characters and symbolic links that lead out of the root.
            file = root.Resolve(path);
        }
        catch (ImageLoadException error)
        {
            return ImageProblems.From(error);
        }

        var extension = Path.GetExtension(file);
        if (!ImageExtensions.Contains(extension) || !ContentTypes.TryGetContentType(file, out var contentType))
        {
            return TypedResults.Problem(
                title: "Not an image",
                detail: $"Only image files are served ({string.Join(", ", ImageExtensions)}).",
                statusCode: StatusCodes.Status404NotFound);
        }

        return TypedResults.PhysicalFile(file, contentType, enableRangeProcessing: false);
    }
}
