using System.Text.Json;
using ImageSearch.Api.Security;

namespace ImageSearch.Api.Apis;

public static class SearchApi
{
    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/search", Search)
            .WithTags("Search")
            .WithName("Search")
            .WithSummary("Find the products whose images look most like the given one")
            .WithDescription("Send the image as multipart/form-data (field 'image'), or JSON {image_path} or {image_url}. " +
                "Query: limit, offset, min_score, category, filter=field:value (repeatable).")
            // One Accepts: each call replaces the content types the endpoint is matched on.
            .Accepts<SearchByReferenceRequest>("application/json", "multipart/form-data")
            .DisableAntiforgery()
            .RequireRateLimiting(RateLimitingOptions.SearchPolicy)
            .RequireApiKeyForReads();

        return app;
    }

    public static async Task<Results<Ok<SearchResponse>, ValidationProblem, ProblemHttpResult>> Search(
        HttpRequest request,
        [AsParameters] SearchParameters parameters,
        [AsParameters] SearchServices services,
        CancellationToken cancellationToken)
    {
        var (options, errors) = parameters.Validate(services.Options.Value);
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var (source, problem) = await ReadImageSourceAsync(request, services.Options.Value, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        float[] vector;
        try
        {
            vector = await services.Embedder.EmbedAsync(source!, cancellationToken);
        }
        catch (ImageLoadException error)
        {
            return ImageProblems.From(error);
        }

        var model = services.Embedder.Model.Key;
        var hits = await services.Store.SearchAsync(options!.ToQuery(vector, model), cancellationToken);
        return TypedResults.Ok(SearchResponse.From(model, hits));
    }

    private static async Task<(ImageSource?, ProblemHttpResult?)> ReadImageSourceAsync(
        HttpRequest request, SearchOptions options, CancellationToken cancellationToken)
    {
        if (request.HasFormContentType)
        {
            return await ReadUploadAsync(request, options, cancellationToken);
        }

        if (request.HasJsonContentType())
        {
            return await ReadReferenceAsync(request, cancellationToken);
        }

        return (null, TypedResults.Problem(
            title: "Unsupported content type",
            detail: "Send multipart/form-data with the image in the 'image' field, or JSON with image_path or image_url.",
            statusCode: StatusCodes.Status415UnsupportedMediaType));
    }

    private static async Task<(ImageSource?, ProblemHttpResult?)> ReadUploadAsync(
        HttpRequest request, SearchOptions options, CancellationToken cancellationToken)
    {
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (Exception error) when (error is InvalidDataException or BadHttpRequestException)
        {
            var tooLarge = error is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }
                || error.Message.Contains("limit", StringComparison.OrdinalIgnoreCase);
            return (null, TypedResults.Problem(
                title: tooLarge ? "Upload too large" : "Malformed form",
                detail: tooLarge ? $"The upload may be at most {options.MaxUploadBytes} bytes." : error.Message,
                statusCode: tooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest));
        }

        var file = form.Files.GetFile("image") ?? form.Files.FirstOrDefault();
        if (file is null)
        {
            return (null, BadRequest("No image", "The form has no file: send the image in the 'image' field."));
        }

        if (file.Length == 0)
        {
            return (null, BadRequest("Empty upload", $"The uploaded file '{file.FileName}' is empty."));
        }

        if (file.Length > options.MaxUploadBytes)
        {
            return (null, TypedResults.Problem(
                title: "Upload too large",
                detail: $"The upload is {file.Length} bytes; at most {options.MaxUploadBytes} are accepted.",
                statusCode: StatusCodes.Status413PayloadTooLarge));
        }

        var content = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(content, cancellationToken);
        }

        return (new ImageSource.Bytes(content), null);
    }

    private static async Task<(ImageSource?, ProblemHttpResult?)> ReadReferenceAsync(
        HttpRequest request, CancellationToken cancellationToken)
    {
        SearchByReferenceRequest? reference;
        try
        {
            reference = await request.ReadFromJsonAsync<SearchByReferenceRequest>(cancellationToken);
        }
        catch (JsonException error)
        {
            return (null, BadRequest("Malformed JSON", error.Message));
        }

        return reference switch
        {
            { ImagePath: { Length: > 0 } path, ImageUrl: null or "" } => (new ImageSource.File(path), null),
            { ImageUrl: { Length: > 0 } url, ImagePath: null or "" } =>
                Uri.TryCreate(url, UriKind.Absolute, out var address)
                    ? (new ImageSource.Url(address), null)
                    : (null, BadRequest("Invalid image_url", $"'{url}' is not an absolute URL.")),
            _ => (null, BadRequest("No image", "Give exactly one of image_path or image_url."))
        };
    }

    private static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status400BadRequest);
}
