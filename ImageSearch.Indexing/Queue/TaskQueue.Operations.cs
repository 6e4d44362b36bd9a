using StackExchange.Redis;

namespace ImageSearch.Indexing.Queue;

// The operator's side of the queue: a task's record, the figures, dead letters, cancel, requeue and flush.
public sealed partial class TaskQueue
{
    /// <summary>Most dead letters one page may ask for.</summary>
    public const int MaxPageSize = 100;

    private const int FlushChunk = 500;

    /// <summary>A task's record with its history, read in one round trip; null for an unknown (or expired) id.</summary>
    public async Task<TaskRecord?> GetAsync(string taskId)
    {
        var batch = Db.CreateBatch();
        var hash = batch.HashGetAllAsync(QueueKeys.Task(taskId));
        var lease = batch.SortedSetScoreAsync(QueueKeys.Active, taskId);
        batch.Execute();
        var fields = (await hash).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
        return fields.Count == 0 ? null : TaskHash.ToRecord(fields, LeaseDeadline(await lease));
    }

    /// <summary>Where the tasks are now and the counters since the queue began, in one round trip.</summary>
    public async Task<QueueStats> GetStatsAsync()
    {
        var now = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        var batch = Db.CreateBatch();
        var pending = batch.ListLengthAsync(QueueKeys.Pending);
        var processing = batch.SortedSetLengthAsync(QueueKeys.Active);
        var delayed = batch.SortedSetLengthAsync(QueueKeys.Delayed);
        var dead = batch.ListLengthAsync(QueueKeys.Dead);
        var counters = batch.HashGetAllAsync(QueueKeys.Stats);
        // This second and the 59 before it.
        var lastMinute = batch.StringGetAsync(Enumerable.Range(0, 60).Select(s => (RedisKey)QueueKeys.Completions(now - s)).ToArray());
        batch.Execute();

        var counts = (await counters).ToDictionary(e => e.Name.ToString(), e => (long)e.Value);
        long Counter(string name) => counts.GetValueOrDefault(name);
        var completedLastMinute = (await lastMinute).Sum(v => v.IsNull ? 0 : (long)v);

        var stats = new QueueStats(
            await pending, await processing, await delayed, await dead,
            Counter("enqueued"), Counter("completed"), Counter("failed"), Counter("retried"),
            Counter("recovered"), Counter("poisoned"), Counter("requeued"), Counter("cancelled"), Counter("flushed"), Counter("refused"),
            completedLastMinute / 60.0);
        QueueTelemetry.Observe(stats);
        return stats;
    }

    /// <summary>How many tasks are in the dead-letter list.</summary>
    public Task<long> CountDeadAsync() => Db.ListLengthAsync(QueueKeys.Dead);

    /// <summary>A page of dead letters, oldest first, with their records and histories, in one round trip.</summary>
    public async Task<IReadOnlyList<TaskRecord>> ListDeadAsync(int offset, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxPageSize);
        RedisValue[] args = [QueueKeys.TaskPrefix, offset, count];
        var page = (RedisResult[])(await QueueScripts.ReadTasks.EvaluateAsync(Db, [QueueKeys.Dead, QueueKeys.Pending], args))!;
        return page.Select(fields => TaskHash.ToRecord(TaskHash.ToDictionary((RedisResult[])fields!), null)).ToList();
    }

    /// <summary>
    /// Moves a dead letter back to the pending list with its attempts reset; it no longer counts as failed.
    /// False if it is not a dead letter.
    /// </summary>
    public async Task<bool> RequeueDeadAsync(string taskId)
    {
        RedisValue[] args = [QueueKeys.TaskPrefix, taskId, Iso(timeProvider.GetUtcNow())];
        RedisKey[] keys = [QueueKeys.Dead, QueueKeys.Pending, QueueKeys.Stats, QueueKeys.Deduplication];
        return (long)await QueueScripts.RequeueDeadTask.EvaluateAsync(Db, keys, args) == 1;
    }

    /// <summary>Cancels a task still waiting (pending or delayed). False if it is processing, finished or unknown.</summary>
    public async Task<bool> CancelAsync(string taskId)
    {
        RedisValue[] args = [QueueKeys.TaskPrefix, taskId, Iso(timeProvider.GetUtcNow()), RetentionSeconds];
        RedisKey[] keys = [QueueKeys.Pending, QueueKeys.Delayed, QueueKeys.Stats, QueueKeys.Deduplication];
        return (long)await QueueScripts.CancelTask.EvaluateAsync(Db, keys, args) == 1;
    }

    /// <summary>
    /// Deletes the tasks waiting in the chosen places, with their records, and returns how many. It works in chunks,
    /// each one atomic, so an interruption leaves every task either where it was or gone; it deletes no more than each
    /// place held when it began, so it ends although enqueues go on. Tasks being processed are never flushed.
    /// </summary>
    public async Task<long> FlushAsync(FlushScope scope)
    {
        var db = Db;
        long deleted = 0;
        foreach (var (place, key, kind) in new[]
        {
            (FlushScope.Pending, QueueKeys.Pending, "list"),
            (FlushScope.Delayed, QueueKeys.Delayed, "zset"),
            (FlushScope.Dead, QueueKeys.Dead, "list")
        })
        {
            if (!scope.HasFlag(place))
            {
                continue;
            }

            var held = kind == "zset" ? await db.SortedSetLengthAsync(key) : await db.ListLengthAsync(key);
            for (long left = held; left > 0;)
            {
                RedisValue[] args = [QueueKeys.TaskPrefix, kind, Math.Min(FlushChunk, left)];
                RedisKey[] keys = [key, QueueKeys.Stats, QueueKeys.Deduplication, QueueKeys.Pending];
                var chunk = (long)await QueueScripts.FlushTasks.EvaluateAsync(db, keys, args);
                deleted += chunk;
                left = chunk == 0 ? 0 : left - chunk;
            }
        }

        return deleted;
    }

    private static DateTimeOffset? LeaseDeadline(double? score) =>
        score is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds((long)ms) : null;
}
