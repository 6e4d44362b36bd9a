using System.Globalization;
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
                "Query: limit, offset, min_score, category, filter=field:value (repeatable). " +
                "When every embedding slot is busy, answers 503 with Retry-After.")
            // One Accepts: each call replaces the content types the endpoint is matched on.
            .Accepts<SearchByReferenceRequest>("application/json", "multipart/form-data")
            .DisableAntiforgery()
            .RequireRateLimiting(RateLimitingOptions.SearchPolicy)
            .RequireApiKeyForReads();

        return app;
    }

    public static async Task<Results<JsonOk<SearchResponse>, ProblemHttpResult>> Search(
        HttpRequest request,
        [AsParameters] SearchParameters parameters,
        [AsParameters] SearchServices services,
        CancellationToken cancellationToken)
    {
        var (options, errors) = parameters.Validate(services.Options.Value);
        if (errors is not null)
        {
            return Problems.Invalid("Invalid search", errors);
        }

        var (image, problem) = await ReadImageAsync(request, services.Options.Value, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        // An upload whose header alone is over the limits is refused before it waits for an embedding slot.
        if (image!.Head is { } head)
        {
            try
            {
                services.Decoder.RefuseIfTooLarge(await head(cancellationToken));
            }
            catch (ImageLoadException error)
            {
                return ImageProblems.From(error, image.Field);
            }
        }

        float[] vector;
        // The costly part (reading, decoding, inference) runs under the limit; the upload waits on disk, not in memory.
        using (var permit = await services.Limiter.AcquireAsync(cancellationToken))
        {
            if (permit is null)
            {
                var retryAfter = services.Limiter.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                request.HttpContext.Response.Headers.RetryAfter = retryAfter;
                return Problems.Of(StatusCodes.Status503ServiceUnavailable, "Busy",
                    $"Every embedding slot is taken and the wait ran out; retry after {retryAfter} s.");
            }

            try
            {
                vector = await services.Embedder.EmbedAsync(await image!.Source(cancellationToken), cancellationToken);
            }
            catch (ImageLoadException error)
            {
                return ImageProblems.From(error, image!.Field);
            }
        }

        var model = services.Embedder.Model.Key;
        var hits = await services.Store.SearchAsync(options!.ToQuery(vector, model), cancellationToken);
        return JsonOk.Of(SearchResponse.From(model, hits, services.Links));
    }

    /// <summary>
    /// The query image, read only once a permit is held; <see cref="Field"/> names where it came from, <see cref="Head"/>
    /// reads an upload's first bytes (its header) without holding the whole of it.
    /// </summary>
    private sealed record QueryImage(string Field, Func<CancellationToken, Task<ImageSource>> Source, Func<CancellationToken, Task<byte[]>>? Head = null);

    private const int HeadBytes = 64 * 1024;

    private static async Task<(QueryImage?, ProblemHttpResult?)> ReadImageAsync(
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

        return (null, Problems.Of(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
            "Send multipart/form-data with the image in the 'image' field, or JSON with image_path or image_url."));
    }

    private static async Task<(QueryImage?, ProblemHttpResult?)> ReadUploadAsync(
        HttpRequest request, SearchOptions options, CancellationToken cancellationToken)
    {
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (Exception error) when (error is InvalidDataException or BadHttpRequestException or IOException)
        {
            var tooLarge = error is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }
                || error.Message.Contains("limit", StringComparison.OrdinalIgnoreCase);
            return (null, tooLarge
                ? Problems.Of(StatusCodes.Status413PayloadTooLarge, "Upload too large", $"The upload may be at most {options.MaxUploadBytes} bytes.", "image")
                : Problems.Of(StatusCodes.Status400BadRequest, "Malformed form", "The multipart form could not be read.", "image"));
        }

        var file = form.Files.GetFile("image") ?? form.Files.FirstOrDefault();
        if (file is null)
        {
            return (null, Problems.Invalid("No image", "image", "The form has no file: send the image in the 'image' field."));
        }

        if (file.Length == 0)
        {
            return (null, Problems.Invalid("Empty upload", "image", "The uploaded file is empty."));
        }

        if (file.Length > options.MaxUploadBytes)
        {
            return (null, Problems.Of(StatusCodes.Status413PayloadTooLarge, "Upload too large",
                $"The upload is {file.Length} bytes; at most {options.MaxUploadBytes} are accepted.", "image"));
        }

        return (new QueryImage("image", async token =>
        {
            var content = new byte[file.Length];
            await using var stream = file.OpenReadStream();
            await stream.ReadExactlyAsync(content, token);
            return new ImageSource.Bytes(content);
        }, async token =>
        {
            var head = new byte[Math.Min(file.Length, HeadBytes)];
            await using var stream = file.OpenReadStream();
            await stream.ReadExactlyAsync(head, token);
            return head;
        }), null);
    }

    private static async Task<(QueryImage?, ProblemHttpResult?)> ReadReferenceAsync(
        HttpRequest request, CancellationToken cancellationToken)
    {
        SearchByReferenceRequest? reference;
        try
        {
            reference = await request.ReadFromJsonAsync<SearchByReferenceRequest>(cancellationToken);
        }
        catch (JsonException error)
        {
            return (null, Problems.Of(StatusCodes.Status400BadRequest, "Malformed JSON",
                $"The body is not valid JSON for this endpoint: {error.Message}"));
        }

        switch (reference)
        {
            case { ImagePath: { Length: > 0 } path, ImageUrl: null or "" }:
                // A leading '/' is the image root, as at enqueue.
                var relative = ImageRoot.Normalize(path);
                return ImageReferenceRules.CheckPath(relative) is { } pathError
                    ? (null, Problems.Invalid("Invalid image_path", "image_path", pathError))
                    : (Of("image_path", new ImageSource.File(relative)), null);
            case { ImageUrl: { Length: > 0 } url, ImagePath: null or "" }:
                return url.Length <= 2048 && Uri.TryCreate(url, UriKind.Absolute, out var address)
                    ? (Of("image_url", new ImageSource.Url(address)), null)
                    : (null, Problems.Invalid("Invalid image_url", "image_url", "image_url must be an absolute URL (at most 2048 characters)."));
            default:
                return (null, Problems.Invalid("No image", "image_path", "Give exactly one of image_path or image_url."));
        }
    }

    private static QueryImage Of(string field, ImageSource source) => new(field, _ => Task.FromResult(source));
}
