using ImageSearch.Indexing.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using StackExchange.Redis;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// A worker's loop: take a batch under a lease, hand it to the <see cref="ITaskProcessor"/> while the lease is
/// renewed, finish it and take the next batch in one round trip; when the queue is empty, block on a connection
/// of its own until a task arrives. It heartbeats for <c>GET /queue/workers</c>. On stop it takes no more tasks,
/// lets the batch in hand finish within the grace period, hands back whatever is unfinished and removes its
/// heartbeat. Without a processor it only heartbeats.
/// </summary>
public sealed class QueueConsumer(
    TaskQueue queue,
    WorkerRegistry registry,
    IOptions<ConsumerOptions> options,
    TimeProvider timeProvider,
    ILogger<QueueConsumer> logger,
    ITaskProcessor? processor = null)
{
    private static readonly TimeSpan ShortestWait = TimeSpan.FromMilliseconds(10);

    private readonly ConsumerOptions _options = options.Value;
    private DateTimeOffset _startedAt;

    public string WorkerId => _options.WorkerId;

    private KeyValuePair<string, object?> WorkerTag => new(ImageSearchTelemetry.WorkerIdTag, WorkerId);

    public WorkerCounters Counters { get; } = new();

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        _startedAt = timeProvider.GetUtcNow();
        Counters.Status = "idle";
        if (!await StartAsync(stoppingToken))
        {
            return;
        }


        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatLoopAsync(heartbeatStop.Token);
        // The batch in hand may run on for the grace period after the stop request.
        using var grace = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        using var stopRegistration = stoppingToken.Register(() => grace.CancelAfter(_options.ShutdownGracePeriod));
        TaskBatch? inHand = null;
        try
        {
            if (processor is null)
            {
                logger.LogWarning("No ITaskProcessor is registered: worker {WorkerId} takes no tasks", WorkerId);
                await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                return;
            }

            await using var waiter = await queue.ConnectWaiterAsync(_options.PollInterval);
            var finishing = FinishPipeline();
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    inHand ??= await queue.TakeAsync(WorkerId, _options.BatchSize, _options.LeaseDuration);
                    if (inHand.Count == 0)
                    {
                        var wait = WaitTime(inHand.NextRetryDue);
                        inHand = null;
                        // A failed or cancelled wait is noticed by the next take.
                        await ((Task)waiter.WaitForTaskAsync(wait, stoppingToken)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                        continue;
                    }

                    var results = await ProcessBatchAsync(processor, inHand, grace.Token);
                    var batch = inHand;
                    inHand = null;
                    inHand = await FinishAsync(finishing, batch, results, stoppingToken.IsCancellationRequested ? 0 : _options.BatchSize);
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
            if (inHand is { Count: > 0 } && await queue.ReleaseAsync(inHand, inHand.Tasks.Select(t => t.TaskId)) is > 0 and var returned)
            {
                logger.LogWarning("Worker {WorkerId} returned {TaskCount} unfinished tasks to the queue", WorkerId, returned);
            }

            await heartbeatStop.CancelAsync();
            await heartbeat;
            await registry.RemoveAsync(WorkerId);
            logger.LogInformation("Worker {WorkerId} stopped", WorkerId);
        }
    }

    /// <summary>Brings the keys to the current layout and reports this worker, waiting out a Redis outage; false if stopped first.</summary>
    private async Task<bool> StartAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Nothing may be taken from a queue still in the first version's layout: its records would not be found.
                await queue.EnsureCurrentLayoutAsync(logger, stoppingToken);
                await registry.HeartbeatAsync(CurrentStatus(), _options.HeartbeatTimeToLive);
                logger.LogInformation("Worker {WorkerId} started", WorkerId);
                return true;
            }
            catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
            {
                logger.LogError(ex, "Worker {WorkerId} cannot reach the queue yet; trying again", WorkerId);
                await Task.Delay(_options.PollInterval, timeProvider, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        return false;
    }

    /// <summary>Runs the processor on a batch while its lease is renewed; each task's span continues its enqueue's trace.</summary>
    private async Task<IReadOnlyList<TaskResult>> ProcessBatchAsync(ITaskProcessor taskProcessor, TaskBatch batch, CancellationToken grace)
    {
        Counters.Status = "processing";
        QueueTelemetry.BatchSize.Record(batch.Count, WorkerTag);
        using var spans = TaskSpans.Start(batch, WorkerId);
        using var scope = logger.BeginScope(new Dictionary<string, object>
        {
            ["WorkerId"] = WorkerId,
            ["TaskIds"] = batch.Tasks.Select(task => task.TaskId).ToArray(),
            ["ProductIds"] = batch.Tasks.Select(task => task.ProductId).ToArray()
        });
        try
        {
            var started = timeProvider.GetTimestamp();
            IReadOnlyDictionary<string, TaskOutcome> outcomes;
            await using (new LeaseRenewal(queue, batch, _options.LeaseDuration, timeProvider, logger))
            using (QueueTelemetry.UseTaskSpans(spans.Contexts))
            {
                outcomes = await RunProcessorAsync(taskProcessor, batch, grace);
            }

            var elapsed = timeProvider.GetElapsedTime(started);
            var results = batch.Tasks.Select(task => new TaskResult(task,
                outcomes.GetValueOrDefault(task.TaskId) ?? TaskOutcome.Transient("The processor returned no outcome for this task."),
                elapsed)).ToList();
            foreach (var result in results)
            {
                spans.Record(result.Task, result.Outcome);
            }

            return results;
        }
        finally
        {
            Counters.Status = "idle";
        }
    }

    private async Task<IReadOnlyDictionary<string, TaskOutcome>> RunProcessorAsync(
        ITaskProcessor taskProcessor, TaskBatch batch, CancellationToken grace)
    {
        using var timeout = new CancellationTokenSource(_options.TaskTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, grace);
        var work = Start(taskProcessor, batch, linked.Token);
        // Until the processor has stopped, its tasks stay leased to this worker, so no retry elsewhere runs beside it and
        // is overwritten by its late results. One that ignores its token is given one more lease duration, then abandoned.
        await ((Task)work.WaitAsync(linked.Token)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!work.IsCompleted)
        {
            await Task.WhenAny(work, Task.Delay(_options.LeaseDuration, timeProvider));
            if (!work.IsCompleted)
            {
                logger.LogError("The processor of worker {WorkerId} ignores its cancellation; abandoning its batch of {TaskCount} tasks",
                    WorkerId, batch.Count);
            }
        }

        if (work.IsCompletedSuccessfully)
        {
            return work.Result;
        }

        grace.ThrowIfCancellationRequested();
        if (timeout.IsCancellationRequested)
        {
            var error = $"Timed out after {_options.TaskTimeout.TotalSeconds:0.###} s (TASK_TIMEOUT).";
            return batch.Tasks.ToDictionary(task => task.TaskId, _ => TaskOutcome.Transient(error));
        }

        logger.LogError(work.Exception?.GetBaseException(), "The processor failed on a batch of {TaskCount} tasks in worker {WorkerId}", batch.Count, WorkerId);
        return batch.Tasks.ToDictionary(task => task.TaskId, _ => TaskOutcome.Transient("The worker's processor failed; see the worker's log."));
    }

    private static Task<IReadOnlyDictionary<string, TaskOutcome>> Start(ITaskProcessor taskProcessor, TaskBatch batch, CancellationToken cancellationToken)
    {
        try
        {
            return taskProcessor.ProcessAsync(batch.Tasks, cancellationToken);
        }
        catch (Exception ex)
        {
            // A processor that throws before its first await fails its batch like one that throws after.
            return Task.FromException<IReadOnlyDictionary<string, TaskOutcome>>(ex);
        }
    }

    private async Task<TaskBatch?> FinishAsync(ResiliencePipeline finishing, TaskBatch batch, IReadOnlyList<TaskResult> results, int takeNext)
    {
        var attempt = 0;
        FinishResult finished;
        try
        {
            // Sent again after a lost reply, the outcomes change nothing more; the retry takes nothing, so a batch the
            // lost reply carried is never taken twice (it lapses and returns to the queue).
            finished = await finishing.ExecuteAsync(async _ =>
                await queue.FinishAsync(batch, results, attempt++ == 0 ? takeNext : 0, _options.LeaseDuration));
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            logger.LogError(ex, "Worker {WorkerId} could not record the outcomes of {TaskCount} tasks; they return to the queue when their lease lapses",
                WorkerId, batch.Count);
            return null;
        }

        for (var i = 0; i < results.Count; i++)
        {
            Report(results[i], finished.Dispositions[i]);
        }

        return finished.Next;
    }

    private void Report(TaskResult result, TaskDisposition disposition)
    {
        var (task, outcome, elapsed) = result;
        using var scope = logger.BeginScope(new Dictionary<string, object>
        {
            ["WorkerId"] = WorkerId,
            ["TaskId"] = task.TaskId,
            ["ProductId"] = task.ProductId
        });
        var error = TaskSpans.ErrorOf(outcome);
        switch (disposition)
        {
            case TaskDisposition.Completed:
                Counters.TaskProcessed();
                QueueTelemetry.TasksCompleted.Add(1, WorkerTag);
                QueueTelemetry.ProcessingDuration.Record(elapsed.TotalSeconds, WorkerTag);
                if (logger.IsEnabled(LogLevel.Debug))
                {
                    logger.LogDebug("Task {TaskId} of product {ProductId} completed by worker {WorkerId}", task.TaskId, task.ProductId, WorkerId);
                }

                break;
            case TaskDisposition.RetryScheduled:
                QueueTelemetry.TasksRetried.Add(1, WorkerTag);
                logger.LogWarning("Task {TaskId} of product {ProductId} failed in worker {WorkerId} (attempt {Attempt}), retrying: {Error}",
                    task.TaskId, task.ProductId, WorkerId, task.Attempts, error);
                break;
            case TaskDisposition.DeadLettered:
                Counters.TaskFailed();
                QueueTelemetry.TasksFailed.Add(1, WorkerTag);
                // A bad image is the caller's problem, not the service's: a warning, like the retry above.
                logger.LogWarning("Task {TaskId} of product {ProductId} failed in worker {WorkerId} (attempt {Attempt}) and was dead-lettered: {Error}",
                    task.TaskId, task.ProductId, WorkerId, task.Attempts, error);
                break;
            default:
                QueueTelemetry.OutcomesRefused.Add(1, WorkerTag);
                logger.LogWarning("Task {TaskId} of product {ProductId} was taken back from worker {WorkerId} before it finished (its lease lapsed); its outcome here is dropped",
                    task.TaskId, task.ProductId, WorkerId);
                break;
        }
    }

    /// <summary>Until the next retry is due, at most the poll interval: a blocked wait sees pushes, not due retries.</summary>
    private TimeSpan WaitTime(DateTimeOffset? nextRetryDue)
    {
        var wait = _options.PollInterval;
        if (nextRetryDue is { } due && due - timeProvider.GetUtcNow() < wait)
        {
            wait = due - timeProvider.GetUtcNow();
        }

        return wait < ShortestWait ? ShortestWait : wait;
    }

    /// <summary>Retries recording a batch's outcomes through a Redis blip, for up to about one lease duration.</summary>
    private ResiliencePipeline FinishPipeline() => new ResiliencePipelineBuilder { TimeProvider = timeProvider }
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<RedisException>().Handle<RedisTimeoutException>(),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = _options.LeaseDuration / 4,
            MaxRetryAttempts = 6,
            OnRetry = retry =>
            {
                logger.LogWarning(retry.Outcome.Exception, "Worker {WorkerId} retries recording its batch's outcomes", WorkerId);
                return ValueTask.CompletedTask;
            }
        })
        .Build();

    private async Task HeartbeatLoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, timeProvider);
        while (await TickAsync(timer, stop))
        {
            try
            {
                await registry.HeartbeatAsync(CurrentStatus(), _options.HeartbeatTimeToLive);
                await queue.GetStatsAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A missed beat only hides this worker from GET /queue/workers for a while: leases, not heartbeats, own tasks.
                logger.LogWarning(ex, "Heartbeat of worker {WorkerId} failed", WorkerId);
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
