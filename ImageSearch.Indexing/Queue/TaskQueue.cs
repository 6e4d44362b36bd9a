using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// The reliable task queue: enqueue, dequeue into a worker's processing list, complete or fail, recover
/// the tasks of dead workers, and the operator's views. Every transition is one script in
/// <see cref="QueueScripts"/>; "now" comes from the <see cref="TimeProvider"/>, so backoff can be tested
/// without waiting.
/// </summary>
public sealed class TaskQueue(IConnectionMultiplexer redis, IOptions<QueueOptions> options, TimeProvider timeProvider)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull
    };

    private readonly QueueOptions _options = options.Value;

    private IDatabase Db => redis.GetDatabase();

    public QueueOptions Options => _options;

    public async Task<EnqueueResult> EnqueueAsync(NewTask task) => (await EnqueueBatchAsync([task]))[0];

    /// <summary>Enqueues every task in one round trip and one script; all or none are added.</summary>
    public async Task<IReadOnlyList<EnqueueResult>> EnqueueBatchAsync(IReadOnlyList<NewTask> tasks)
    {
        if (tasks.Count == 0)
        {
            return [];
        }

        foreach (var task in tasks)
        {
            if (task.Validate() is { } reason)
            {
                throw new ArgumentException(reason, nameof(tasks));
            }
        }

        using var activity = QueueTelemetry.ActivitySource.StartActivity("enqueue tasks", ActivityKind.Producer);
        activity?.SetTag("imagesearch.task.count", tasks.Count);
        var traceParent = Activity.Current?.IdFormat == ActivityIdFormat.W3C ? Activity.Current.Id : null;
        var traceState = Activity.Current?.TraceStateString;
        var now = timeProvider.GetUtcNow();
        var nowIso = Iso(now);

        var keys = new List<RedisKey>(3 + 2 * tasks.Count) { QueueKeys.Pending, QueueKeys.Stats, QueueKeys.Deduplication };
        var args = new List<RedisValue> { tasks.Count };
        foreach (var task in tasks)
        {
            var taskId = Guid.CreateVersion7(now).ToString();
            keys.Add(QueueKeys.Task(taskId));
            keys.Add(QueueKeys.TaskHistory(taskId));
            var dedupKey = task.Deduplicate ? task.DeduplicationKey : "";
            var fields = new List<(string Name, string? Value)>
            {
                ("task_id", taskId),
                ("product_id", task.ProductId),
                ("image_path", task.ImagePath),
                ("image_url", task.ImageUrl),
                ("name", task.Name),
                ("description", task.Description),
                ("metadata", JsonSerializer.Serialize(task.Metadata ?? new Dictionary<string, string>())),
                ("created_at", nowIso),
                ("status", TaskStatuses.Pending),
                ("attempts", "0"),
                ("recoveries", "0"),
                ("traceparent", traceParent),
                ("tracestate", traceState),
                ("dedup_key", dedupKey)
            };
            var present = fields.Where(f => !string.IsNullOrEmpty(f.Value)).ToList();
            args.Add(taskId);
            args.Add(dedupKey);
            args.Add(History(new TaskHistoryEntry(now, "enqueued")));
            args.Add(present.Count);
            foreach (var (name, value) in present)
            {
                args.Add(name);
                args.Add(value);
            }
        }

        var reply = (RedisResult[])(await Db.ScriptEvaluateAsync(QueueScripts.Enqueue, [.. keys], [.. args]))!;
        var queueLength = (long)reply[^1];
        var results = new List<EnqueueResult>(tasks.Count);
        for (var i = 0; i < tasks.Count; i++)
        {
            results.Add(new EnqueueResult((string)reply[2 * i]!, (string)reply[2 * i + 1]! == "1", queueLength));
        }

        return results;
    }

    /// <summary>
    /// Takes up to <paramref name="batchSize"/> tasks into the worker's processing list: blocks up to
    /// <paramref name="wait"/> for the first (BLMOVE), then takes the rest without blocking (pipelined
    /// LMOVE), then marks them processing in one script. Empty when nothing arrived in time.
    /// </summary>
    /// <remarks>BLMOVE holds the multiplexer's connection while it waits: give each consumer its own.</remarks>
    public async Task<IReadOnlyList<QueuedTask>> DequeueAsync(string workerId, int batchSize, TimeSpan wait)
    {
        var db = Db;
        var processing = QueueKeys.Processing(workerId);
        var first = await db.ExecuteAsync("BLMOVE", QueueKeys.Pending, processing, "LEFT", "RIGHT",
            wait.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture));
        List<string> ids;
        if (first.IsNull)
        {
            // A task moved into this list but never marked (seen once on Garnet under load: a BLMOVE that
            // answered nil yet moved, or a failed call after the move) would sit there while this worker
            // lives; an idle poll adopts such strays. Tasks in hand are left alone by the script.
            ids = (await db.ListRangeAsync(processing, 0, batchSize - 1)).Select(id => id.ToString()).ToList();
            if (ids.Count == 0)
            {
                return [];
            }
        }
        else
        {
            ids = [(string)first!];
        }

        if (ids.Count == 1 && batchSize > 1)
        {
            var batch = db.CreateBatch();
            var moves = Enumerable.Range(0, batchSize - 1)
                .Select(_ => batch.ListMoveAsync(QueueKeys.Pending, processing, ListSide.Left, ListSide.Right))
                .ToList();
            batch.Execute();
            foreach (var moved in await Task.WhenAll(moves))
            {
                if (moved.IsNull)
                {
                    break;
                }

                ids.Add(moved!);
            }
        }

        var taken = new List<QueuedTask>(ids.Count);
        // A task the script cannot find in the list was taken back by a recovery (this worker's heartbeat
        // lapsed) or is not visible yet; look again briefly, then leave it to whoever holds it.
        for (var attempt = 0; ids.Count > 0; attempt++)
        {
            var now = timeProvider.GetUtcNow();
            var keys = new List<RedisKey>(1 + 2 * ids.Count) { processing };
            foreach (var id in ids)
            {
                keys.Add(QueueKeys.Task(id));
                keys.Add(QueueKeys.TaskHistory(id));
            }

            RedisValue[] args = [workerId, Iso(now), now.ToUnixTimeMilliseconds(), JsonSerializer.Serialize(workerId), .. ids.Select(id => (RedisValue)id)];
            var reply = (RedisResult[])(await db.ScriptEvaluateAsync(QueueScripts.MoveToActive, [.. keys], args))!;
            taken.AddRange(((RedisResult[])reply[0]!).Select(hash => ToQueuedTask(ToDictionary((RedisResult[])hash!))));
            ids = ((RedisResult[])reply[1]!).Select(id => (string)id!).ToList();
            if (ids.Count == 0 || attempt == 10)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }

        return taken;
    }

    /// <summary>Records the result. False when the task was no longer this worker's (another worker took it back).</summary>
    public async Task<bool> CompleteAsync(string workerId, QueuedTask task, IReadOnlyDictionary<string, string> result, TimeSpan duration)
    {
        var now = timeProvider.GetUtcNow();
        RedisKey[] keys =
        [
            QueueKeys.Processing(workerId), QueueKeys.Task(task.TaskId), QueueKeys.TaskHistory(task.TaskId),
            QueueKeys.Stats, QueueKeys.Deduplication, QueueKeys.Completions(now.ToUnixTimeSeconds())
        ];
        RedisValue[] args =
        [
            task.TaskId, Iso(now), JsonSerializer.Serialize(result), (long)duration.TotalMilliseconds,
            RetentionSeconds, History(new TaskHistoryEntry(now, "completed", workerId, task.Attempts))
        ];
        return (long)await Db.ScriptEvaluateAsync(QueueScripts.MoveToCompleted, keys, args) == 1;
    }

    /// <summary>
    /// Schedules a retry after the backoff (transient, attempts left) or dead-letters the task
    /// (permanent, or the last attempt). Null when the task was no longer this worker's.
    /// </summary>
    public async Task<FailureDisposition?> FailAsync(string workerId, QueuedTask task, string error, bool permanent)
    {
        var now = timeProvider.GetUtcNow();
        var retryAt = now + RetryBackoff.Delay(task.Attempts, _options, Random.Shared.NextDouble());
        RedisKey[] keys =
        [
            QueueKeys.Processing(workerId), QueueKeys.Task(task.TaskId), QueueKeys.TaskHistory(task.TaskId),
            QueueKeys.Stats, QueueKeys.Deduplication, QueueKeys.Delayed, QueueKeys.Dead
        ];
        RedisValue[] args =
        [
            task.TaskId, Iso(now), error, permanent ? "1" : "0", _options.MaxAttempts,
            retryAt.ToUnixTimeMilliseconds(), Iso(retryAt),
            History(new TaskHistoryEntry(now, "retry_scheduled", workerId, task.Attempts, error, retryAt)),
            History(new TaskHistoryEntry(now, "dead", workerId, task.Attempts, error))
        ];
        return (long)await Db.ScriptEvaluateAsync(QueueScripts.MoveToFailed, keys, args) switch
        {
            1 => FailureDisposition.RetryScheduled,
            2 => FailureDisposition.DeadLettered,
            _ => null
        };
    }

    /// <summary>Moves retries that are due to the pending list; returns how many moved.</summary>
    public async Task<long> PromoteDueRetriesAsync(int limit = 1000)
    {
        var db = Db;
        var now = timeProvider.GetUtcNow();
        var due = await db.SortedSetRangeByScoreAsync(QueueKeys.Delayed, double.NegativeInfinity,
            now.ToUnixTimeMilliseconds(), take: limit);
        if (due.Length == 0)
        {
            return 0;
        }

        var keys = new List<RedisKey> { QueueKeys.Delayed, QueueKeys.Pending };
        foreach (var id in due)
        {
            keys.Add(QueueKeys.Task(id!));
            keys.Add(QueueKeys.TaskHistory(id!));
        }

        RedisValue[] args = [Iso(now), now.ToUnixTimeMilliseconds(), .. due];
        return (long)await db.ScriptEvaluateAsync(QueueScripts.PromoteDelayed, [.. keys], args);
    }

    /// <summary>
    /// Returns the tasks of a worker whose heartbeat lapsed to the head of the queue (or, past
    /// <see cref="QueueOptions.MaxRecoveries"/>, to the dead-letter list). Null if the worker is alive.
    /// </summary>
    public Task<long?> RecoverLapsedWorkerAsync(string workerId) => MoveStalledToPendingAsync(workerId, "lapsed");

    /// <summary>A worker starting again under its old id takes back what it held when it crashed (counts as a recovery).</summary>
    public Task<long?> RecoverOwnTasksAsync(string workerId) => MoveStalledToPendingAsync(workerId, "restart");

    /// <summary>At a graceful stop, hands unfinished tasks back to the head of the queue; the attempt does not count.</summary>
    public Task<long?> ReturnTasksAsync(string workerId) => MoveStalledToPendingAsync(workerId, "shutdown");

    private async Task<long?> MoveStalledToPendingAsync(string workerId, string mode)
    {
        var db = Db;
        var processing = QueueKeys.Processing(workerId);
        // The script refuses (-2) if the list changed after it was read, e.g. a slow worker finished a task.
        for (var attempt = 0; ; attempt++)
        {
            var ids = await db.ListRangeAsync(processing);
            var now = timeProvider.GetUtcNow();
            var keys = new List<RedisKey>
            {
                processing, QueueKeys.Pending, QueueKeys.Dead, QueueKeys.Stats,
                QueueKeys.WorkerStatus(workerId), QueueKeys.Workers, QueueKeys.Deduplication
            };
            foreach (var id in ids)
            {
                keys.Add(QueueKeys.Task(id!));
                keys.Add(QueueKeys.TaskHistory(id!));
            }

            var poisonError = $"Taken back from a dead worker more than {_options.MaxRecoveries} times (last: {workerId}); dead-lettered as poison.";
            RedisValue[] args =
            [
                mode, workerId, Iso(now), _options.MaxRecoveries,
                History(new TaskHistoryEntry(now, mode == "shutdown" ? "returned" : "recovered", workerId)),
                History(new TaskHistoryEntry(now, "dead", workerId, Error: poisonError)),
                poisonError, .. ids
            ];
            var moved = (long)await db.ScriptEvaluateAsync(QueueScripts.MoveStalledToPending, [.. keys], args);
            switch (moved)
            {
                case -1:
                    return null;
                case -2 when attempt < 10:
                    continue;
                case -2:
                    throw new InvalidOperationException($"The processing list of worker {workerId} kept changing during recovery.");
                default:
                    return moved;
            }
        }
    }

    public async Task<TaskRecord?> GetAsync(string taskId)
    {
        var db = Db;
        var hash = db.HashGetAllAsync(QueueKeys.Task(taskId));
        var history = db.ListRangeAsync(QueueKeys.TaskHistory(taskId));
        var fields = (await hash).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
        return fields.Count == 0 ? null : ToRecord(fields, await history);
    }

    public async Task<QueueStats> GetStatsAsync()
    {
        var db = Db;
        var now = timeProvider.GetUtcNow().ToUnixTimeSeconds();
        var batch = db.CreateBatch();
        var pending = batch.ListLengthAsync(QueueKeys.Pending);
        var delayed = batch.SortedSetLengthAsync(QueueKeys.Delayed);
        var dead = batch.ListLengthAsync(QueueKeys.Dead);
        var counters = batch.HashGetAllAsync(QueueKeys.Stats);
        var workers = batch.SortedSetRangeByRankAsync(QueueKeys.Workers);
        // This second and the 59 before it.
        var lastMinute = batch.StringGetAsync(Enumerable.Range(0, 60).Select(s => (RedisKey)QueueKeys.Completions(now - s)).ToArray());
        batch.Execute();

        var processingLengths = await Task.WhenAll((await workers).Select(w => db.ListLengthAsync(QueueKeys.Processing(w!))));
        var counts = (await counters).ToDictionary(e => e.Name.ToString(), e => (long)e.Value);
        long Counter(string name) => counts.GetValueOrDefault(name);
        var completedLastMinute = (await lastMinute).Sum(v => v.IsNull ? 0 : (long)v);

        var stats = new QueueStats(
            await pending, processingLengths.Sum(), await delayed, await dead,
            Counter("enqueued"), Counter("completed"), Counter("failed"), Counter("retried"),
            Counter("recovered"), Counter("poisoned"), completedLastMinute / 60.0);
        QueueTelemetry.Observe(stats);
        return stats;
    }

    /// <summary>How many tasks are in the dead-letter list.</summary>
    public Task<long> CountDeadAsync() => Db.ListLengthAsync(QueueKeys.Dead);

    /// <summary>Dead letters, oldest first.</summary>
    public async Task<IReadOnlyList<TaskRecord>> ListDeadAsync(int offset, int count)
    {
        var ids = await Db.ListRangeAsync(QueueKeys.Dead, offset, offset + count - 1);
        var records = await Task.WhenAll(ids.Select(id => GetAsync(id!)));
        return records.OfType<TaskRecord>().ToList();
    }

    /// <summary>Moves a dead letter back to the pending list with its attempts reset. False if it is not dead.</summary>
    public async Task<bool> RequeueDeadAsync(string taskId)
    {
        var now = timeProvider.GetUtcNow();
        RedisKey[] keys = [QueueKeys.Dead, QueueKeys.Pending, QueueKeys.Task(taskId), QueueKeys.TaskHistory(taskId)];
        RedisValue[] args = [taskId, History(new TaskHistoryEntry(now, "requeued"))];
        return (long)await Db.ScriptEvaluateAsync(QueueScripts.RequeueDead, keys, args) == 1;
    }

    /// <summary>Cancels a task still waiting (pending or delayed). False if it is processing, finished or unknown.</summary>
    public async Task<bool> CancelAsync(string taskId)
    {
        var now = timeProvider.GetUtcNow();
        RedisKey[] keys =
        [
            QueueKeys.Pending, QueueKeys.Delayed, QueueKeys.Task(taskId), QueueKeys.TaskHistory(taskId),
            QueueKeys.Deduplication, QueueKeys.Stats
        ];
        RedisValue[] args = [taskId, Iso(now), RetentionSeconds, History(new TaskHistoryEntry(now, "cancelled"))];
        return (long)await Db.ScriptEvaluateAsync(QueueScripts.Cancel, keys, args) == 1;
    }

    /// <summary>
    /// Deletes the waiting tasks of the chosen places and their records; returns how many. Tasks being
    /// processed are never flushed (their workers would find them gone).
    /// </summary>
    public async Task<long> FlushAsync(FlushScope scope)
    {
        var db = Db;
        var ids = new List<RedisValue>();
        if (scope.HasFlag(FlushScope.Pending))
        {
            ids.AddRange((RedisValue[])(await db.ScriptEvaluateAsync(QueueScripts.TakeList, [QueueKeys.Pending]))!);
        }

        if (scope.HasFlag(FlushScope.Delayed))
        {
            ids.AddRange((RedisValue[])(await db.ScriptEvaluateAsync(QueueScripts.TakeSortedSet, [QueueKeys.Delayed]))!);
        }

        if (scope.HasFlag(FlushScope.Dead))
        {
            ids.AddRange((RedisValue[])(await db.ScriptEvaluateAsync(QueueScripts.TakeList, [QueueKeys.Dead]))!);
        }

        // The ids are out of every list now, so their records can go in chunks.
        foreach (var chunk in ids.Chunk(500))
        {
            var keys = new List<RedisKey> { QueueKeys.Deduplication };
            foreach (var id in chunk)
            {
                keys.Add(QueueKeys.Task(id!));
                keys.Add(QueueKeys.TaskHistory(id!));
            }

            await db.ScriptEvaluateAsync(QueueScripts.DeleteTasks, [.. keys], chunk);
        }

        return ids.Count;
    }

    private long RetentionSeconds => (long)Math.Ceiling(_options.Retention.TotalSeconds);

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static string History(TaskHistoryEntry entry) => JsonSerializer.Serialize(entry, Json);

    private static Dictionary<string, string> ToDictionary(RedisResult[] hash)
    {
        var fields = new Dictionary<string, string>(hash.Length / 2);
        for (var i = 0; i + 1 < hash.Length; i += 2)
        {
            fields[(string)hash[i]!] = (string)hash[i + 1]!;
        }

        return fields;
    }

    private static QueuedTask ToQueuedTask(Dictionary<string, string> f) => new(
        f["task_id"],
        f["product_id"],
        f.GetValueOrDefault("image_path"),
        f.GetValueOrDefault("image_url"),
        f.GetValueOrDefault("name"),
        f.GetValueOrDefault("description"),
        Metadata(f.GetValueOrDefault("metadata")),
        DateTimeOffset.Parse(f["created_at"], CultureInfo.InvariantCulture),
        int.Parse(f.GetValueOrDefault("attempts", "0"), CultureInfo.InvariantCulture),
        f.GetValueOrDefault("traceparent"),
        f.GetValueOrDefault("tracestate"));

    private static TaskRecord ToRecord(Dictionary<string, string> f, RedisValue[] history) => new(
        f["task_id"],
        f["product_id"],
        f.GetValueOrDefault("image_path"),
        f.GetValueOrDefault("image_url"),
        f.GetValueOrDefault("name"),
        f.GetValueOrDefault("description"),
        Metadata(f.GetValueOrDefault("metadata")),
        f["status"],
        DateTimeOffset.Parse(f["created_at"], CultureInfo.InvariantCulture),
        int.Parse(f.GetValueOrDefault("attempts", "0"), CultureInfo.InvariantCulture),
        int.Parse(f.GetValueOrDefault("recoveries", "0"), CultureInfo.InvariantCulture),
        f.GetValueOrDefault("worker_id"),
        Time(f.GetValueOrDefault("started_at")),
        Time(f.GetValueOrDefault("finished_at")),
        Time(f.GetValueOrDefault("next_attempt_at")),
        f.TryGetValue("duration_ms", out var duration) ? long.Parse(duration, CultureInfo.InvariantCulture) : null,
        f.TryGetValue("result", out var result) ? Metadata(result) : null,
        f.GetValueOrDefault("error"),
        f.GetValueOrDefault("traceparent"),
        history.Select(entry => JsonSerializer.Deserialize<TaskHistoryEntry>(entry.ToString(), Json)!).ToList());

    private static IReadOnlyDictionary<string, string> Metadata(string? json) =>
        string.IsNullOrEmpty(json) ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(json)!;

    private static DateTimeOffset? Time(string? value) =>
        string.IsNullOrEmpty(value) ? null : DateTimeOffset.Parse(value, CultureInfo.InvariantCulture);
}
