using ImageSearch.Api.Security;

namespace ImageSearch.Api.Apis;

public static class QueueApi
{
    private const int MaxBatchSize = 1000;

    private static readonly Dictionary<string, FlushScope> FlushScopes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["pending"] = FlushScope.Pending,
        ["delayed"] = FlushScope.Delayed,
        ["dead"] = FlushScope.Dead,
        ["all"] = FlushScope.All
    };

    public static IEndpointRouteBuilder MapQueueApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/queue").WithTags("Queue");
        var reads = api.MapGroup("").RequireApiKeyForReads();

        api.MapPost("/enqueue", Enqueue)
            .WithName("EnqueueTask")
            .WithSummary("Queue one image for indexing")
            .WithDescription("Give product_id and exactly one of image_path (relative to the image root) or image_url. " +
                "metadata is a flat object of strings, numbers and booleans. With deduplicate, a task still waiting " +
                "or processing for the same product and image is returned instead of a new one.")
            .RequireApiKey()
            .RequireRateLimiting(RateLimitingOptions.EnqueuePolicy);

        api.MapPost("/enqueue/batch", EnqueueBatch)
            .WithName("EnqueueTasks")
            .WithSummary("Queue many images in one round trip")
            .WithDescription($"Up to {MaxBatchSize} tasks; all are queued or, if any is invalid, none.")
            .RequireApiKey()
            .RequireRateLimiting(RateLimitingOptions.EnqueuePolicy);

        reads.MapGet("/status/{taskId}", GetStatus)
            .WithName("GetTaskStatus")
            .WithSummary("A task's full record")
            .WithDescription("Request, status, attempts, result or last error, and the history of every attempt, retry and recovery.");

        reads.MapGet("/stats", GetStats)
            .WithName("GetQueueStats")
            .WithSummary("Queue figures")
            .WithDescription("Where the tasks are now, counters since the queue began, and completions per second over the last minute. " +
                "active_workers counts the live workers, idle or busy (busy_workers those processing now); success_rate is a percentage " +
                "of finished tasks that completed.");

        reads.MapGet("/workers", GetWorkers)
            .WithName("GetWorkers")
            .WithSummary("List live workers")
            .WithDescription("Workers whose heartbeat has not expired, with their counters.");

        api.MapPost("/flush", Flush)
            .WithName("FlushQueue")
            .WithSummary("Delete waiting tasks")
            .WithDescription("Deletes the pending tasks and their records. include=delayed,dead (or include=all) also deletes " +
                "tasks waiting for a retry and dead letters. Tasks being processed are never deleted.")
            .RequireApiKey();

        reads.MapGet("/dead", ListDead)
            .WithName("ListDeadLetters")
            .WithSummary("Tasks that failed for good, oldest first");

        api.MapPost("/dead/{taskId}/requeue", RequeueDead)
            .WithName("RequeueDeadLetter")
            .WithSummary("Queue a dead letter again, attempts reset")
            .RequireApiKey();

        api.MapPost("/tasks/{taskId}/cancel", Cancel)
            .WithName("CancelTask")
            .WithSummary("Cancel a task that has not started (pending or waiting for a retry)")
            .RequireApiKey();

        return app;
    }

    public static async Task<Results<Ok<EnqueueResponse>, ProblemHttpResult>> Enqueue(
        EnqueueRequest request, [AsParameters] QueueServices services)
    {
        var (task, error) = request.ToNewTask(services.ImageLoader.Value.AllowPrivateNetworks);
        if (task is null)
        {
            return BadRequest("Invalid task", error!);
        }

        return TypedResults.Ok(ToResponse(await services.Queue.EnqueueAsync(task)));
    }

    public static async Task<Results<Ok<EnqueueBatchResponse>, ProblemHttpResult>> EnqueueBatch(
        EnqueueBatchRequest request, [AsParameters] QueueServices services)
    {
        if (request.Tasks is not { Count: > 0 and <= MaxBatchSize } requests)
        {
            return BadRequest("Invalid batch", $"tasks must hold between 1 and {MaxBatchSize} tasks.");
        }

        var tasks = new List<NewTask>(requests.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            var (task, error) = requests[i].ToNewTask(services.ImageLoader.Value.AllowPrivateNetworks);
            if (task is null)
            {
                return BadRequest("Invalid task", $"tasks[{i}]: {error}");
            }

            tasks.Add(task);
        }

        var results = await services.Queue.EnqueueBatchAsync(tasks);
        return TypedResults.Ok(new EnqueueBatchResponse(results.Select(ToResponse).ToList(), results[^1].QueueLength));
    }

    public static async Task<Results<Ok<TaskRecord>, ProblemHttpResult>> GetStatus(string taskId, [AsParameters] QueueServices services) =>
        await services.Queue.GetAsync(taskId) is { } record
            ? TypedResults.Ok(record)
            : UnknownTask(taskId);

    public static async Task<Ok<QueueStatsResponse>> GetStats([AsParameters] QueueServices services)
    {
        var stats = await services.Queue.GetStatsAsync();
        var workers = await services.Registry.GetLiveWorkersAsync();
        var finished = stats.Completed + stats.Failed;
        return TypedResults.Ok(new QueueStatsResponse(
            stats.Pending,
            workers.Count,
            workers.Count,
            stats.Completed,
            stats.Failed,
            finished == 0 ? 0 : Math.Round(100.0 * stats.Completed / finished, 2),
            workers.Count(w => w.Status == "processing"),
            stats.Pending, stats.Processing, stats.Delayed, stats.Dead,
            stats.Enqueued, stats.Completed, stats.Failed, stats.Retried, stats.Recovered, stats.Poisoned,
            stats.Requeued, stats.Cancelled, stats.Flushed, stats.Refused,
            Math.Round(stats.ThroughputPerSecond, 3)));
    }

    public static async Task<Ok<WorkersResponse>> GetWorkers([AsParameters] QueueServices services)
    {
        var workers = await services.Registry.GetLiveWorkersAsync();
        return TypedResults.Ok(new WorkersResponse(workers.Count, workers));
    }

    public static async Task<Results<Ok<FlushResponse>, ProblemHttpResult>> Flush(
        [AsParameters] QueueServices services, string? include = null)
    {
        var scope = FlushScope.Pending;
        foreach (var part in (include ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!FlushScopes.TryGetValue(part, out var extra))
            {
                return BadRequest("Invalid flush scope", $"include takes pending, delayed, dead or all, not '{part}'.");
            }

            scope |= extra;
        }

        var deleted = await services.Queue.FlushAsync(scope);
        return TypedResults.Ok(new FlushResponse($"Deleted {deleted} waiting tasks ({scope.ToString().ToLowerInvariant()}).", deleted));
    }

    public static async Task<Results<Ok<DeadLettersResponse>, ProblemHttpResult>> ListDead(
        [AsParameters] QueueServices services, int offset = 0, int limit = 50)
    {
        if (offset < 0 || limit is < 1 or > TaskQueue.MaxPageSize)
        {
            return BadRequest("Invalid page", $"offset must be 0 or more and limit between 1 and {TaskQueue.MaxPageSize}.");
        }

        var items = await services.Queue.ListDeadAsync(offset, limit);
        return TypedResults.Ok(new DeadLettersResponse(await services.Queue.CountDeadAsync(), offset, items));
    }

    public static async Task<Results<Ok<TaskActionResponse>, ProblemHttpResult>> RequeueDead(
        string taskId, [AsParameters] QueueServices services) =>
        await services.Queue.RequeueDeadAsync(taskId)
            ? TypedResults.Ok(new TaskActionResponse(taskId, TaskStatuses.Pending, "Queued again with its attempts reset."))
            : Problem("Not a dead letter", $"Task '{taskId}' is not in the dead-letter list.", StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<TaskActionResponse>, ProblemHttpResult>> Cancel(
        string taskId, [AsParameters] QueueServices services)
    {
        if (await services.Queue.CancelAsync(taskId))
        {
            return TypedResults.Ok(new TaskActionResponse(taskId, TaskStatuses.Cancelled, "Cancelled before it started."));
        }

        return await services.Queue.GetAsync(taskId) is { } record
            ? Problem("Task cannot be cancelled",
                $"Task '{taskId}' is {record.Status}; only pending or delayed tasks can be cancelled.", StatusCodes.Status409Conflict)
            : UnknownTask(taskId);
    }

    private static EnqueueResponse ToResponse(EnqueueResult result) => new(
        result.TaskId,
        "enqueued",
        result.Duplicate ? "An earlier task for this product and image is still waiting or processing; returned it." : "Task queued for indexing.",
        result.QueueLength,
        result.Duplicate);

    private static ProblemHttpResult UnknownTask(string taskId) =>
        Problem("Unknown task", $"No task '{taskId}' (it never existed, or its record expired).", StatusCodes.Status404NotFound);

    private static ProblemHttpResult BadRequest(string title, string detail) =>
        Problem(title, detail, StatusCodes.Status400BadRequest);

    // TypedResults.Problem, unlike BadRequest<ProblemDetails>, answers with application/problem+json.
    private static ProblemHttpResult Problem(string title, string detail, int status) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: status);
}
