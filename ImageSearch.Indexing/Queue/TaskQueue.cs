using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// The reliable task queue. Enqueue pushes onto the pending list; a worker takes a batch under a lease (a random
/// token and a deadline on the server's clock), renews it while it works, and finishes the batch with the token,
/// taking the next batch in the same round trip. A lease that lapses, whether its worker died or lives on, is
/// swept back to the queue by the next take. Every transition is one script (<see cref="QueueScripts"/>); "now" for
/// retries comes from the <see cref="TimeProvider"/>, so backoff can be tested without waiting.
/// The operator's side (status, figures, dead letters, cancel, flush) is in TaskQueue.Operations.cs.
/// </summary>
public sealed partial class TaskQueue(IConnectionMultiplexer redis, IOptions<QueueOptions> options, TimeProvider timeProvider)
{
    /// <summary>Single enqueues sent together at most, so that one script run stays short: Redis runs nothing else meanwhile.</summary>
    private const int MaxGroupCommit = 100;

    private static readonly RedisKey[] TransitionKeys =
        [QueueKeys.Pending, QueueKeys.Active, QueueKeys.Delayed, QueueKeys.Dead, QueueKeys.Stats, QueueKeys.Deduplication];

    private readonly QueueOptions _options = options.Value;

    private readonly GroupCommit<PreparedTask, EnqueueResult> _singleEnqueues = new(MaxGroupCommit);

    private IDatabase Db => redis.GetDatabase();

    public QueueOptions Options => _options;

    /// <summary>
    /// Enqueues one task. Calls that arrive while another enqueue is on its way to Redis are sent together after it,
    /// as one script run (<see cref="GroupCommit{TItem,TResult}"/>); each still gets its own result.
    /// </summary>
    public async Task<EnqueueResult> EnqueueAsync(NewTask task)
    {
        ThrowIfInvalid(task);
        using var activity = StartEnqueueActivity(1);
        var prepared = Prepare(task, TaskTraceContext.Capture(Activity.Current), timeProvider.GetUtcNow());
        return await _singleEnqueues.AddAsync(prepared, AddTasksAsync);
    }

    /// <summary>Enqueues every task in one round trip and one script: all or none are added.</summary>
    public async Task<IReadOnlyList<EnqueueResult>> EnqueueBatchAsync(IReadOnlyList<NewTask> tasks)
    {
        if (tasks.Count == 0)
        {
            return [];
        }

        foreach (var task in tasks)
        {
            ThrowIfInvalid(task);
        }

        using var activity = StartEnqueueActivity(tasks.Count);
        // One trace context and one creation time for the whole batch, as it is one request.
        var (traceContext, now) = (TaskTraceContext.Capture(Activity.Current), timeProvider.GetUtcNow());
        var prepared = new PreparedTask[tasks.Count];
        for (var i = 0; i < tasks.Count; i++)
        {
            prepared[i] = Prepare(tasks[i], traceContext, now);
        }

        return await AddTasksAsync(prepared);
    }

    // The producer span the worker's "process task" span becomes a child of, through the trace context in the request.
    private static Activity? StartEnqueueActivity(int count) =>
        QueueTelemetry.ActivitySource.StartActivity("enqueue tasks", ActivityKind.Producer)?.SetTag("imagesearch.task.count", count);

    // Called before the enqueue span starts: a refused task never reaches Redis, and the caller's own span records it.
    private static void ThrowIfInvalid(NewTask task)
    {
        if (task.Validate() is { } reason)
        {
            throw new ArgumentException(reason, nameof(task));
        }
    }

    private static PreparedTask Prepare(NewTask task, IReadOnlyDictionary<string, string> traceContext, DateTimeOffset now)
    {
        var request = new TaskRequest(task.ProductId, task.ImagePath, task.ImageUrl, task.Name, task.Description,
            task.Metadata is { Count: > 0 } metadata ? metadata : null, now, traceContext.Count > 0 ? traceContext : null);
        return new PreparedTask(Guid.CreateVersion7(now).ToString(), task.Deduplicate ? task.DeduplicationKey : "", request.ToJson());
    }

    private async Task<IReadOnlyList<EnqueueResult>> AddTasksAsync(IReadOnlyList<PreparedTask> tasks)
    {
        var args = new RedisValue[3 + 3 * tasks.Count];
        (args[0], args[1], args[2]) = (QueueKeys.TaskPrefix, Iso(timeProvider.GetUtcNow()), tasks.Count);
        for (var i = 0; i < tasks.Count; i++)
        {
            (args[3 + 3 * i], args[4 + 3 * i], args[5 + 3 * i]) = (tasks[i].TaskId, tasks[i].DeduplicationKey, tasks[i].RequestJson);
        }

        var reply = (RedisResult[])(await QueueScripts.AddTasks.EvaluateAsync(Db,
            [QueueKeys.Pending, QueueKeys.Stats, QueueKeys.Deduplication], args))!;
        var queueLength = (long)reply[^1];
        var results = new EnqueueResult[tasks.Count];
        for (var i = 0; i < tasks.Count; i++)
        {
            results[i] = new EnqueueResult((string)reply[2 * i]!, (int)reply[2 * i + 1] == 1, queueLength);
        }

        return results;
    }

    /// <summary>A task as the addTasks script takes it: its id, its deduplication entry or "", its request as JSON.</summary>
    private sealed record PreparedTask(string TaskId, string DeduplicationKey, string RequestJson);

    /// <summary>
    /// Takes up to <paramref name="count"/> tasks from the head of the queue under a new lease of
    /// <paramref name="leaseDuration"/>; first returns lapsed leases to the queue and promotes due retries. Never blocks:
    /// an empty batch means the queue is empty (wait with <see cref="QueueWaiter"/>).
    /// </summary>
    public async Task<TaskBatch> TakeAsync(string workerId, int count, TimeSpan leaseDuration)
    {
        var token = NewLeaseToken();
        var now = timeProvider.GetUtcNow();
        RedisValue[] args =
        [
            QueueKeys.TaskPrefix, token, LeaseMs(leaseDuration), count, workerId, now.ToUnixTimeMilliseconds(), Iso(now),
            _options.MaxRecoveries
        ];
        var reply = (RedisResult[])(await QueueScripts.MoveToActive.EvaluateAsync(Db, TransitionKeys, args))!;
        return ToBatch(token, workerId, reply[0], reply[1]);
    }

    /// <summary>
    /// Records the outcome of each task of <paramref name="batch"/> under its lease, then takes up to
    /// <paramref name="takeNext"/> tasks under a new lease, in one round trip. Outcomes of tasks no longer held under
    /// the lease are refused. Sending the same outcomes again (after a lost reply) changes nothing more.
    /// </summary>
    public async Task<FinishResult> FinishAsync(TaskBatch batch, IReadOnlyList<TaskResult> results, int takeNext, TimeSpan leaseDuration)
    {
        var now = timeProvider.GetUtcNow();
        var nextToken = NewLeaseToken();
        var args = new List<RedisValue>(12 + 6 * results.Count)
        {
            QueueKeys.TaskPrefix, batch.LeaseToken, nextToken, LeaseMs(leaseDuration), takeNext, batch.WorkerId,
            now.ToUnixTimeMilliseconds(), Iso(now), _options.MaxRecoveries, RetentionSeconds, _options.MaxAttempts,
            results.Count
        };
        foreach (var (task, outcome, duration) in results)
        {
            args.Add(task.TaskId);
            switch (outcome)
            {
                case TaskOutcome.Completed completed:
                    args.AddRange(["completed", TaskHash.Json(completed.Result), (long)duration.TotalMilliseconds, "", ""]);
                    break;
                case TaskOutcome.TransientFailure(var error):
                    var retryAt = now + RetryBackoff.Delay(task.Attempts, _options, Random.Shared.NextDouble());
                    args.AddRange(["failed", error, "transient", retryAt.ToUnixTimeMilliseconds(), Iso(retryAt)]);
                    break;
                case TaskOutcome.PermanentFailure(var error):
                    args.AddRange(["failed", error, "permanent", "", ""]);
                    break;
                default:
                    throw new ArgumentException($"Unknown outcome {outcome.GetType().Name}.", nameof(results));
            }
        }

        RedisKey[] keys = [.. TransitionKeys, QueueKeys.Completions(now.ToUnixTimeSeconds())];
        var reply = (RedisResult[])(await QueueScripts.MoveToFinished.EvaluateAsync(Db, keys, [.. args]))!;
        var dispositions = ((RedisResult[])reply[0]!).Select(d => (TaskDisposition)(int)d).ToList();
        return new FinishResult(dispositions, ToBatch(nextToken, batch.WorkerId, reply[1], reply[2]));
    }

    /// <summary>Moves the deadline of every task still held under the lease to now + <paramref name="leaseDuration"/>; returns the ids no longer held.</summary>
    public async Task<IReadOnlyList<string>> ExtendLeaseAsync(TaskBatch batch, IEnumerable<string> taskIds, TimeSpan leaseDuration)
    {
        RedisValue[] args = [QueueKeys.TaskPrefix, batch.LeaseToken, LeaseMs(leaseDuration), .. taskIds.Select(id => (RedisValue)id)];
        var lost = (RedisResult[])(await QueueScripts.ExtendLeases.EvaluateAsync(Db, [QueueKeys.Active, QueueKeys.Pending], args))!;
        return lost.Select(id => (string)id!).ToList();
    }

    /// <summary>At a graceful stop, hands tasks still held under the lease back to the head of the queue, in order; the attempt does not count.</summary>
    public async Task<long> ReleaseAsync(TaskBatch batch, IEnumerable<string> taskIds)
    {
        var now = timeProvider.GetUtcNow();
        RedisValue[] args = [QueueKeys.TaskPrefix, batch.LeaseToken, batch.WorkerId, Iso(now), .. taskIds.Select(id => (RedisValue)id)];
        return (long)await QueueScripts.ReleaseTasks.EvaluateAsync(Db, [QueueKeys.Pending, QueueKeys.Active], args);
    }

    /// <summary>Returns every task whose lease lapsed to the queue (or, past <see cref="QueueOptions.MaxRecoveries"/>, to the dead letters).</summary>
    public async Task<(long Recovered, long Poisoned)> RecoverLapsedLeasesAsync(int limit = 1000)
    {
        var now = timeProvider.GetUtcNow();
        RedisValue[] args = [QueueKeys.TaskPrefix, Iso(now), _options.MaxRecoveries, limit];
        var reply = (RedisResult[])(await QueueScripts.MoveStalledToPending.EvaluateAsync(Db, TransitionKeys, args))!;
        return ((long)reply[0], (long)reply[1]);
    }

    /// <summary>Returns once the keys are in the current layout (<see cref="QueueLayout"/>), migrating an older one first.</summary>
    public Task EnsureCurrentLayoutAsync(ILogger logger, CancellationToken cancellationToken = default) =>
        new QueueLayout(redis, logger).EnsureCurrentAsync(cancellationToken);

    /// <summary>A <see cref="QueueWaiter"/> on this queue's server, for waits up to <paramref name="longestWait"/>.</summary>
    public Task<QueueWaiter> ConnectWaiterAsync(TimeSpan longestWait) => QueueWaiter.ConnectAsync(redis, longestWait);

    private TaskBatch ToBatch(string token, string workerId, RedisResult taken, RedisResult nextDue) => new(
        token,
        workerId,
        ((RedisResult[])taken!).Select(values => TaskHash.ToQueuedTask((RedisResult[])values!)).ToList(),
        nextDue.IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)(double)nextDue));

    private long RetentionSeconds => (long)Math.Ceiling(_options.Retention.TotalSeconds);

    private static long LeaseMs(TimeSpan leaseDuration) => Math.Max(1, (long)leaseDuration.TotalMilliseconds);

    private static string NewLeaseToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    internal static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
}
