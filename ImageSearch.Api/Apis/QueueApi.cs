using ImageSearch.Api.Security;

namespace ImageSearch.Api.Apis;

public static class QueueApi
{
    private const int MaxBatchSize = 1000;

    /// <summary>Dead letters per page: each is a whole task record with its history.</summary>
    private const int MaxDeadLettersPage = 100;

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
            .WithDescription("Give product_id and exactly one of image_path (relative to the image root; a leading '/' is the root) or image_url. " +
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
            .WithSummary("Tasks that failed for good, oldest first")
            .WithDescription($"offset (0 or more) and limit (1 to {TaskQueue.MaxPageSize}, default 50).");

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

    public static async Task<Results<JsonOk<EnqueueResponse>, ProblemHttpResult>> Enqueue(
        EnqueueRequest request, [AsParameters] QueueServices services)
    {
        var (task, field, error) = request.ToNewTask(services.ImageLoader.Value.AllowPrivateNetworks);
        if (task is null)
        {
            return Problems.Invalid("Invalid task", field!, error!);
        }

        return JsonOk.Of(ToResponse(await services.Queue.EnqueueAsync(task)));
    }

    public static async Task<Results<JsonOk<EnqueueBatchResponse>, ProblemHttpResult>> EnqueueBatch(
        EnqueueBatchRequest request, [AsParameters] QueueServices services)
    {
        if (request.Tasks is not { Count: > 0 and <= MaxBatchSize } requests)
        {
            return Problems.Invalid("Invalid batch", "tasks", $"tasks must hold between 1 and {MaxBatchSize} tasks.");
        }

        var tasks = new List<NewTask>(requests.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            if (requests[i] is null)
            {
                return Problems.Invalid("Invalid task", $"tasks[{i}]", "A task must be a JSON object.");
            }

            var (task, field, error) = requests[i].ToNewTask(services.ImageLoader.Value.AllowPrivateNetworks);
            if (task is null)
            {
                return Problems.Invalid("Invalid task", $"tasks[{i}].{field}", error!);
            }

            tasks.Add(task);
        }

        var results = await services.Queue.EnqueueBatchAsync(tasks);
        return JsonOk.Of(new EnqueueBatchResponse(results.Select(ToResponse).ToList(), results[^1].QueueLength));
    }

    public static async Task<Results<JsonOk<TaskResponse>, ProblemHttpResult>> GetStatus(string taskId, [AsParameters] QueueServices services)
    {
        if (InvalidTaskId(taskId) is { } invalid)
        {
            return invalid;
        }

        return await services.Queue.GetAsync(taskId) is { } record
            ? JsonOk.Of(TaskResponse.From(record))
            : UnknownTask(taskId);
    }

    public static async Task<JsonOk<QueueStatsResponse>> GetStats([AsParameters] QueueServices services)
    {
        // Sent together: the three reads share one round trip on the multiplexer instead of one each.
        var (statsRead, workersRead) = (services.Queue.GetStatsAsync(), services.Registry.GetLiveWorkersAsync());
        var reindexRead = Reindexer.ReadProgressAsync(services.Redis.GetDatabase());
        await Task.WhenAll(statsRead, workersRead, reindexRead);
        var (stats, workers) = (statsRead.Result, workersRead.Result);
        var finished = stats.Completed + stats.Failed;
        return JsonOk.Of(new QueueStatsResponse(
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
            Math.Round(stats.ThroughputPerSecond, 3),
            reindexRead.Result));
    }

    public static async Task<JsonOk<WorkersResponse>> GetWorkers([AsParameters] QueueServices services)
    {
        var workers = await services.Registry.GetLiveWorkersAsync();
        return JsonOk.Of(new WorkersResponse(workers.Count, workers));
    }

    public static async Task<Results<JsonOk<FlushResponse>, ProblemHttpResult>> Flush(
        [AsParameters] QueueServices services, string? include = null)
    {
        var scope = FlushScope.Pending;
        foreach (var part in (include ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!FlushScopes.TryGetValue(part, out var extra))
            {
                return Problems.Invalid("Invalid flush scope", "include", $"include takes pending, delayed, dead or all, not '{InputRules.Shorten(part)}'.");
            }

            scope |= extra;
        }

        var deleted = await services.Queue.FlushAsync(scope);
        return JsonOk.Of(new FlushResponse($"Deleted {deleted} waiting tasks ({scope.ToString().ToLowerInvariant()}).", deleted));
    }

    public static async Task<Results<JsonOk<DeadLettersResponse>, ProblemHttpResult>> ListDead(
        [AsParameters] QueueServices services, int offset = 0, int limit = 50)
    {
        var errors = new Dictionary<string, string[]>();
        if (offset is < 0 or > 1_000_000)
        {
            errors["offset"] = ["offset must be between 0 and 1000000."];
        }

        if (limit is < 1 or > TaskQueue.MaxPageSize)
        {
            errors["limit"] = [$"limit must be between 1 and {TaskQueue.MaxPageSize}."];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid("Invalid page", errors);
        }

        var items = await services.Queue.ListDeadAsync(offset, limit);
        return JsonOk.Of(new DeadLettersResponse(await services.Queue.CountDeadAsync(), offset, items.Select(TaskResponse.From).ToList()));
    }

    public static async Task<Results<JsonOk<TaskActionResponse>, ProblemHttpResult>> RequeueDead(
        string taskId, [AsParameters] QueueServices services)
    {
        if (InvalidTaskId(taskId) is { } invalid)
        {
            return invalid;
        }

        return await services.Queue.RequeueDeadAsync(taskId)
            ? JsonOk.Of(new TaskActionResponse(taskId, TaskStatuses.Pending, "Queued again with its attempts reset."))
            : Problems.Of(StatusCodes.Status404NotFound, "Not a dead letter", $"Task '{taskId}' is not in the dead-letter list.", "task_id");
    }

    public static async Task<Results<JsonOk<TaskActionResponse>, ProblemHttpResult>> Cancel(
        string taskId, [AsParameters] QueueServices services)
    {
        if (InvalidTaskId(taskId) is { } invalid)
        {
            return invalid;
        }

        if (await services.Queue.CancelAsync(taskId))
        {
            return JsonOk.Of(new TaskActionResponse(taskId, TaskStatuses.Cancelled, "Cancelled before it started."));
        }

        return await services.Queue.GetAsync(taskId) is { } record
            ? Problems.Of(StatusCodes.Status409Conflict, "Task cannot be cancelled",
                $"Task '{taskId}' is {record.Status}; only pending or delayed tasks can be cancelled.", "task_id")
            : UnknownTask(taskId);
    }

    private static EnqueueResponse ToResponse(EnqueueResult result) => new(
        result.TaskId,
        "enqueued",
        result.Duplicate ? "An earlier task for this product and image is still waiting or processing; returned it." : "Task queued for indexing.",
        result.QueueLength,
        result.Duplicate);

    // An id of other characters (':', '/', spaces) never names a task; refused before it can name another Redis key.
    private static ProblemHttpResult? InvalidTaskId(string taskId) =>
        InputRules.CheckTaskId(taskId) is { } error ? Problems.Invalid("Invalid task id", "task_id", error) : null;

    private static ProblemHttpResult UnknownTask(string taskId) => Problems.Of(StatusCodes.Status404NotFound,
        "Unknown task", $"No task '{taskId}' (it never existed, or its record expired).", "task_id");
}
