using ImageSearch.Api.Security;
using Microsoft.AspNetCore.Mvc;

namespace ImageSearch.Api.Apis;

/// <summary>Operator endpoints on the index as a whole: re-index every product after a model change, and its progress.</summary>
public static class IndexApi
{
    public static IEndpointRouteBuilder MapIndexApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/index").WithTags("Index");

        api.MapPost("/reindex", StartReindex)
            .WithName("StartReindex")
            .WithSummary("Queue every stored product again, to be embedded with the current model")
            .WithDescription("Products whose vectors come from another model (all=true: every product) are queued again from " +
                "their stored payload (image, name, description, metadata), a page at a time, in the background; a product " +
                "with a task already waiting is not queued twice. One re-index runs at a time. Progress: GET /index/reindex.")
            .RequireApiKey();

        api.MapGet("/reindex", GetReindexProgress)
            .WithName("GetReindexProgress")
            .WithSummary("Where the last re-index stands: scanned, enqueued, already queued, up to date")
            .RequireApiKeyForReads();

        return app;
    }

    public static async Task<Results<Accepted<ReindexProgress>, ProblemHttpResult>> StartReindex(
        [AsParameters] IndexServices services, IHostApplicationLifetime lifetime, bool all = false)
    {
        var reindexer = services.Reindexer();
        var model = services.Embedder.Model.Key;
        if (!await reindexer.TryStartAsync(model, all, lifetime.ApplicationStopping))
        {
            return TypedResults.Problem(title: "Re-index already running",
                detail: "A re-index is under way; follow it with GET /index/reindex.", statusCode: StatusCodes.Status409Conflict);
        }

        return TypedResults.Accepted("/index/reindex", await reindexer.GetProgressAsync(model));
    }

    public static async Task<JsonOk<ReindexProgress>> GetReindexProgress([AsParameters] IndexServices services) =>
        JsonOk.Of(await services.Reindexer().GetProgressAsync(services.Embedder.Model.Key));
}

/// <summary>What the index endpoints need, bound with [AsParameters].</summary>
public sealed record IndexServices(
    [FromServices] IVectorStore Store,
    [FromServices] TaskQueue Queue,
    [FromServices] IConnectionMultiplexer Redis,
    [FromServices] IImageEmbedder Embedder,
    [FromServices] TimeProvider TimeProvider,
    [FromServices] ILoggerFactory Loggers)
{
    public Reindexer Reindexer() => new(Store, Queue, Redis, TimeProvider, Loggers.CreateLogger<Reindexer>());
}
