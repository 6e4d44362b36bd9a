using System.Diagnostics;
using ImageSearch.Indexing.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// A worker's loop: heartbeat, take back the tasks of dead workers, promote due retries, dequeue a
/// batch, hand it to the <see cref="ITaskProcessor"/>, record each outcome. On stop it takes no more
/// tasks, lets the batch in hand finish within the grace period, returns whatever is unfinished to the
/// queue and removes its heartbeat. Without a processor it only heartbeats and recovers.
/// </summary>
public sealed class QueueConsumer(
    TaskQueue queue,
    WorkerRegistry registry,
    IOptions<ConsumerOptions> options,
    TimeProvider timeProvider,
    ILogger<QueueConsumer> logger,
    ITaskProcessor? processor = null)
{
    private static readonly TimeSpan PromotionInterval = TimeSpan.FromMilliseconds(100);

    private readonly ConsumerOptions _options = options.Value;
    private DateTimeOffset _startedAt;

    public string WorkerId => _options.WorkerId;

    private KeyValuePair<string, object?> WorkerTag => new(ImageSearchTelemetry.WorkerIdTag, WorkerId);

    public WorkerCounters Counters { get; } = new();

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        _startedAt = timeProvider.GetUtcNow();
        // Under a fixed --worker-id, a restart after a crash finds what the crashed run held.
        if (await queue.RecoverOwnTasksAsync(WorkerId) is > 0 and var recovered)
        {
            logger.LogWarning("Worker {WorkerId} took back {TaskCount} tasks it held before a restart", WorkerId, recovered);
        }

        Counters.Status = "idle";
        // Registered before the first dequeue, so a crash from here on is noticed by the others.
        await registry.HeartbeatAsync(CurrentStatus(), _options.HeartbeatTimeToLive);
        logger.LogInformation("Worker {WorkerId} started", WorkerId);

        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatLoopAsync(heartbeatStop.Token);
        // The batch in hand may run on for the grace period after the stop request.
        using var grace = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        using var stopRegistration = stoppingToken.Register(() => grace.CancelAfter(_options.ShutdownGracePeriod));
        try
        {
            if (processor is null)
            {
                logger.LogWarning("No ITaskProcessor is registered: worker {WorkerId} takes no tasks", WorkerId);
                await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                return;
            }

            var lastPromotion = 0L;
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    // Checked at most every 100 ms: a round trip per batch would cost more than the lateness saves.
                    if (timeProvider.GetElapsedTime(lastPromotion) >= PromotionInterval)
                    {
                        lastPromotion = timeProvider.GetTimestamp();
                        await queue.PromoteDueRetriesAsync();
                    }

                    var batch = await queue.DequeueAsync(WorkerId, _options.BatchSize, _options.PollInterval);
                    if (batch.Count > 0 && !stoppingToken.IsCancellationRequested)
                    {
                        await ProcessBatchAsync(processor, batch, grace.Token);
                    }
                }
                catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
                {
                    logger.LogError(ex, "Worker {WorkerId} lost the queue; trying again", WorkerId);
                    await Task.Delay(_options.PollInterval, timeProvider, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
        }
        catch (OperationCanceledException) when (grace.IsCancellationRequested)
        {
            logger.LogWarning("Worker {WorkerId} stopped its batch at the end of the grace period", WorkerId);
        }
        finally
        {
            Counters.Status = "stopping";
            if (await queue.ReturnTasksAsync(WorkerId) is > 0 and var returned)
            {
                logger.LogWarning("Worker {WorkerId} returned {TaskCount} unfinished tasks to the queue", WorkerId, returned);
            }

            await heartbeatStop.CancelAsync();
            await heartbeat;
            await registry.RemoveAsync(WorkerId);
            logger.LogInformation("Worker {WorkerId} stopped", WorkerId);
        }
    }

    private async Task ProcessBatchAsync(ITaskProcessor taskProcessor, IReadOnlyList<QueuedTask> batch, CancellationToken grace)
    {
        Counters.Status = "processing";
        QueueTelemetry.BatchSize.Record(batch.Count, WorkerTag);
        var previous = Activity.Current;
        var activities = batch.Select(StartTaskActivity).ToList();
        // Each task's span continues the trace of its enqueue. The processor's per-task spans find it through
        // QueueTelemetry.SpanOf; what it does for the whole batch goes under a batch span linked to every task
        // (with one task, under the task's span itself).
        var batchActivity = batch.Count == 1 ? null : StartBatchActivity(activities);
        Activity.Current = batch.Count == 1 ? activities[0] : batchActivity ?? previous;
        using var scope = logger.BeginScope(new Dictionary<string, object>
        {
            ["WorkerId"] = WorkerId,
            ["TaskIds"] = batch.Select(task => task.TaskId).ToArray(),
            ["ProductIds"] = batch.Select(task => task.ProductId).ToArray()
        });
        try
        {
            var started = timeProvider.GetTimestamp();
            var spans = batch.Select((task, i) => (task.TaskId, Context: activities[i]?.Context ?? default))
                .Where(span => span.Context != default)
                .ToDictionary(span => span.TaskId, span => span.Context);
            IReadOnlyDictionary<string, TaskOutcome> outcomes;
            using (QueueTelemetry.UseTaskSpans(spans))
            {
                outcomes = await RunProcessorAsync(taskProcessor, batch, grace);
            }

            var elapsed = timeProvider.GetElapsedTime(started);
            await Task.WhenAll(batch.Select((task, i) => RecordOutcomeAsync(task,
                outcomes.GetValueOrDefault(task.TaskId) ?? TaskOutcome.Transient("The processor returned no outcome for this task."),
                elapsed, activities[i])));
        }
        finally
        {
            foreach (var activity in activities)
            {
                activity?.Dispose();
            }

            batchActivity?.Dispose();

            Activity.Current = previous;
            Counters.Status = "idle";
        }
    }

    private async Task<IReadOnlyDictionary<string, TaskOutcome>> RunProcessorAsync(
        ITaskProcessor taskProcessor, IReadOnlyList<QueuedTask> batch, CancellationToken grace)
    {
        using var timeout = new CancellationTokenSource(_options.TaskTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, grace);
        try
        {
            // WaitAsync: a processor that ignores its token still cannot hold the worker past the timeout.
            return await taskProcessor.ProcessAsync(batch, linked.Token).WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !grace.IsCancellationRequested)
        {
            var error = $"Timed out after {_options.TaskTimeout.TotalSeconds:0.###} s (TASK_TIMEOUT).";
            return batch.ToDictionary(task => task.TaskId, _ => TaskOutcome.Transient(error));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "The processor failed on a batch of {TaskCount} tasks in worker {WorkerId}", batch.Count, WorkerId);
            var error = $"{ex.GetType().Name}: {ex.Message}";
            return batch.ToDictionary(task => task.TaskId, _ => TaskOutcome.Transient(error));
        }
    }

    private async Task RecordOutcomeAsync(QueuedTask task, TaskOutcome outcome, TimeSpan elapsed, Activity? activity)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object>
        {
            ["TaskId"] = task.TaskId,
            ["ProductId"] = task.ProductId
        });
        switch (outcome)
        {
            case TaskOutcome.Completed completed:
                if (await queue.CompleteAsync(WorkerId, task, completed.Result, elapsed))
                {
                    Counters.TaskProcessed();
                    QueueTelemetry.TasksCompleted.Add(1, WorkerTag);
                    QueueTelemetry.ProcessingDuration.Record(elapsed.TotalSeconds, WorkerTag);
                    if (logger.IsEnabled(LogLevel.Debug))
                    {
                        logger.LogDebug("Task {TaskId} of product {ProductId} completed by worker {WorkerId}", task.TaskId, task.ProductId, WorkerId);
                    }
                }
                else
                {
                    LogNoLongerOwned(task);
                }

                break;

            case TaskOutcome.TransientFailure(var error):
                await RecordFailureAsync(task, error, permanent: false, activity);
                break;

            case TaskOutcome.PermanentFailure(var error):
                await RecordFailureAsync(task, error, permanent: true, activity);
                break;
        }
    }

    private async Task RecordFailureAsync(QueuedTask task, string error, bool permanent, Activity? activity)
    {
        activity?.SetStatus(ActivityStatusCode.Error, error);
        switch (await queue.FailAsync(WorkerId, task, error, permanent))
        {
            case FailureDisposition.RetryScheduled:
                QueueTelemetry.TasksRetried.Add(1, WorkerTag);
                logger.LogWarning("Task {TaskId} of product {ProductId} failed in worker {WorkerId} (attempt {Attempt}), retrying: {Error}",
                    task.TaskId, task.ProductId, WorkerId, task.Attempts, error);
                break;
            case FailureDisposition.DeadLettered:
                Counters.TaskFailed();
                QueueTelemetry.TasksFailed.Add(1, WorkerTag);
                // A bad image is the caller's problem, not the service's: a warning, like the retry above.
                logger.LogWarning("Task {TaskId} of product {ProductId} failed in worker {WorkerId} (attempt {Attempt}) and was dead-lettered: {Error}",
                    task.TaskId, task.ProductId, WorkerId, task.Attempts, error);
                break;
            default:
                LogNoLongerOwned(task);
                break;
        }
    }

    private void LogNoLongerOwned(QueuedTask task) =>
        logger.LogWarning("Task {TaskId} of product {ProductId} was taken back from worker {WorkerId} before it finished; its outcome here is dropped",
            task.TaskId, task.ProductId, WorkerId);

    private Activity? StartTaskActivity(QueuedTask task)
    {
        ActivityContext.TryParse(task.TraceParent, task.TraceState, out var parent);
        // Without a stored context the task starts a trace of its own, not one under the span started before it.
        Activity.Current = null;
        var activity = QueueTelemetry.ActivitySource.StartActivity("process task", ActivityKind.Consumer, parent, QueueTelemetry.TagsOf(task));
        activity?.SetTag(ImageSearchTelemetry.WorkerIdTag, WorkerId);
        activity?.SetTag("imagesearch.task.attempt", task.Attempts);
        return activity;
    }

    private Activity? StartBatchActivity(IReadOnlyList<Activity?> taskActivities)
    {
        var links = taskActivities.OfType<Activity>().Select(task => new ActivityLink(task.Context)).ToList();
        // A root of its own: its tasks may belong to as many traces as there are tasks.
        Activity.Current = null;
        var activity = QueueTelemetry.ActivitySource.StartActivity("process batch", ActivityKind.Internal, new ActivityContext(), links: links);
        activity?.SetTag(ImageSearchTelemetry.WorkerIdTag, WorkerId);
        activity?.SetTag(ImageSearchTelemetry.BatchSizeTag, taskActivities.Count);
        return activity;
    }

    private async Task HeartbeatLoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, timeProvider);
        while (await TickAsync(timer, stop))
        {
            try
            {
                await registry.HeartbeatAsync(CurrentStatus(), _options.HeartbeatTimeToLive);
                await RecoverLapsedWorkersAsync();
                await queue.GetStatsAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A missed beat is not fatal: the next one, within the time to live, keeps the worker alive.
                // Nothing may end this loop early, or the others would take back tasks this worker is still on.
                logger.LogWarning(ex, "Heartbeat of worker {WorkerId} failed", WorkerId);
            }
        }
    }

    private async Task RecoverLapsedWorkersAsync()
    {
        foreach (var lapsed in await registry.GetLapsedWorkerIdsAsync())
        {
            if (lapsed != WorkerId && await queue.RecoverLapsedWorkerAsync(lapsed) is { } moved)
            {
                logger.LogWarning("Worker {WorkerId} found worker {LapsedWorkerId} dead and took back its {TaskCount} tasks",
                    WorkerId, lapsed, moved);
            }
        }
    }

    private WorkerStatus CurrentStatus() => new(
        WorkerId,
        timeProvider.GetUtcNow(),
        _startedAt,
        Counters.TasksProcessed,
        Counters.TasksFailed,
        Counters.Status,
        Environment.MachineName,
        Environment.ProcessId);

    private static async Task<bool> TickAsync(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
