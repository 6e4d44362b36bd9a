namespace ImageSearch.Indexing.Queue;

/// <summary>
/// Every Redis key the queue uses. All of them hash to one slot, so every script can run on Redis Cluster:
/// the keys under <see cref="Prefix"/> hash by their tag, <c>image_indexing_queue</c>, and the pending list keeps
/// the name of the system this replaces (operators run <c>LLEN image_indexing_queue</c>), which, having no braces,
/// hashes by its whole name: the same slot.
/// </summary>
public static class QueueKeys
{
    public const string Pending = "image_indexing_queue";

    public const string Prefix = "{" + Pending + "}:";

    /// <summary>Sorted set: task id by the deadline of its lease (ms, server time). The tasks being processed.</summary>
    public const string Active = Prefix + "active";

    /// <summary>Sorted set: task id by the time (ms) its retry is due.</summary>
    public const string Delayed = Prefix + "delayed";

    /// <summary>List of task ids that failed for good (permanent error, last attempt, or poison).</summary>
    public const string Dead = Prefix + "dead";

    /// <summary>
    /// Hash of counters that never expire: enqueued, completed, failed, retried, recovered, poisoned, requeued,
    /// cancelled, flushed; and <c>sequence</c>, the number of the last task enqueued.
    /// </summary>
    public const string Stats = Prefix + "stats";

    /// <summary>Hash: "product id + image" of each live task that asked for idempotency, to its task id.</summary>
    public const string Deduplication = Prefix + "dedup";

    /// <summary>Sorted set: worker id by the time of its last heartbeat (ms), so nothing scans keys.</summary>
    public const string Workers = Prefix + "workers";

    /// <summary>String: the version of this key layout, written once the layout of an older version is migrated.</summary>
    public const string Layout = Prefix + "layout";

    /// <summary>What every task's key starts with; scripts add the id (they build per-task keys as bullmq does).</summary>
    public const string TaskPrefix = Prefix + "task:";

    /// <summary>Counter of the tasks completed in one second (Unix time); expires after two minutes.</summary>
    public static string Completions(long unixSecond) => $"{Prefix}completions:{unixSecond}";

    /// <summary>
    /// Hash: the task's request, where it is now, its attempts and result, and its history (a JSON array of every
    /// attempt, error, retry and recovery).
    /// </summary>
    public static string Task(string taskId) => TaskPrefix + taskId;

    /// <summary>Hash with a time to live: a worker's last heartbeat, for <c>GET /queue/workers</c>.</summary>
    public static string WorkerStatus(string workerId) => $"{Prefix}worker:{workerId}";
}
