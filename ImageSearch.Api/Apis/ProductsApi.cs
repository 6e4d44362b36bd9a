using ImageSearch.Api.Security;

namespace ImageSearch.Api.Apis;

public static class ProductsApi
{
    public static IEndpointRouteBuilder MapProductsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/products").WithTags("Products");
        var reads = api.MapGroup("").RequireApiKeyForReads();

        reads.MapGet("/{productId}", GetProduct)
            .WithName("GetProduct")
            .WithSummary("An indexed product, as the index holds it");

        reads.MapGet("/{productId}/similar", GetSimilarProducts)
            .RequireRateLimiting(RateLimitingOptions.SearchPolicy)
            .WithName("GetSimilarProducts")
            .WithSummary("More like this: the products whose images look most like this product's")
            .WithDescription("Query: limit, offset, min_score, category, filter=field:value (repeatable).");

        api.MapDelete("/{productId}", DeleteProduct)
            .WithName("DeleteProduct")
            .WithSummary("Remove a product from the index")
            .RequireApiKey();

        return app;
    }

    public static async Task<Results<JsonOk<ProductResponse>, ProblemHttpResult>> GetProduct(
        string productId, [AsParameters] SearchServices services, CancellationToken cancellationToken)
    {
        if (InvalidProductId(productId) is { } invalid)
        {
            return invalid;
        }

        var point = await services.Store.GetAsync(productId, cancellationToken);
        return point is null
            ? NotIndexed(productId)
            : JsonOk.Of(ProductResponse.From(point.Payload, services.Links));
    }

    public static async Task<Results<JsonOk<SearchResponse>, ProblemHttpResult>> GetSimilarProducts(
        string productId,
        [AsParameters] SearchParameters parameters,
        [AsParameters] SearchServices services,
        CancellationToken cancellationToken)
    {
        if (InvalidProductId(productId) is { } invalid)
        {
            return invalid;
        }

        var (options, errors) = parameters.Validate(services.Options.Value);
        if (errors is not null)
        {
            return Problems.Invalid("Invalid search", errors);
        }

        var point = await services.Store.GetAsync(productId, cancellationToken);
        if (point is null)
        {
            return NotIndexed(productId);
        }

        // Compare within the product's own model: vectors of two models are not comparable.
        var model = point.Payload.ModelKey;
        var hits = await services.Store.SearchAsync(options!.ToQuery(point.Vector, model, excludeProductId: productId), cancellationToken);
        return JsonOk.Of(SearchResponse.From(model, hits, services.Links));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteProduct(
        string productId, [AsParameters] SearchServices services, CancellationToken cancellationToken)
    {
        if (InvalidProductId(productId) is { } invalid)
        {
            return invalid;
        }

        return await services.Store.DeleteAsync(productId, cancellationToken)
            ? TypedResults.NoContent()
            : NotIndexed(productId);
    }

    // The rule enqueue applies: an id it would refuse was never indexed, and must not reach the store.
    private static ProblemHttpResult? InvalidProductId(string productId) =>
        ProductIdRule.Check(productId) is { } error ? Problems.Invalid("Invalid product id", "product_id", error) : null;

    private static ProblemHttpResult NotIndexed(string productId) => Problems.Of(StatusCodes.Status404NotFound,
        "Product not indexed", $"No product '{InputRules.Shorten(productId)}' is in the index.", "product_id");
}
