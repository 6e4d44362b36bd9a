namespace ImageSearch.Api.Apis;

public static class QueueApi
{
    public static IEndpointRouteBuilder MapQueueApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/queue").WithTags("Queue");

        api.MapGet("/workers", GetWorkers)
            .WithName("GetWorkers")
            .WithSummary("List live workers")
            .WithDescription("Workers whose heartbeat has not expired, with their counters.");

        return app;
    }

    public static async Task<Ok<WorkersResponse>> GetWorkers(WorkerRegistry registry)
    {
        var workers = await registry.GetLiveWorkersAsync();
        return TypedResults.Ok(new WorkersResponse(workers.Count, workers));
    }
}
